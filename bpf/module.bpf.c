/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel module loads (603), refused attempts too.
 *
 * The init_module/finit_module exit tracepoints when the kernel has them; a
 * kernel built without modules has no such tracepoints (the calls return
 * ENOSYS), and then the raw_syscalls exit program, which runs on every
 * syscall, reports the attempts: it is attached only when asked for
 * (--hooks all or load_module by name). The syscall numbers it compares are
 * the architecture's (lib/common.h). Not covered: 32-bit syscalls.
 */
#include "lib/common.h"

/* init_module(image, len, params) or finit_module(fd, params, flags), at exit. */
static __always_inline int module_exit(long ret, long nr)
{
	if (!wanted(T_LOAD_MODULE))
		return 0;
	struct syscall_args a;
	call_args(&a);
	struct task_struct *task = bpf_get_current_task_btf();
	struct file_event *e = file_record(task, T_LOAD_MODULE, ret);
	if (!e)
		return 0;
	fill_tree(&e->tree, task);
	__u32 pos = sizeof(*e);
	if (nr == NR_FINIT_MODULE) {
		e->fd = a.a[0];
		pos = put_file_path(e, pos, &e->path, fd_file(task, (int)a.a[0]), T_LOAD_MODULE);
	}
	struct fs_struct *fs = BPF_CORE_READ(task, fs);
	pos = put_dentry_path(e, pos, &e->extra, BPF_CORE_READ(fs, pwd.dentry), BPF_CORE_READ(fs, pwd.mnt), T_LOAD_MODULE);
	emit(e, pos);
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_exit")
int module__exit_raw(struct trace_event_raw_sys_exit *ctx)
{
	long id = (int)ctx->id, ret = ctx->ret; /* an int in the tracepoint: the upper half is padding */
	if (id != NR_INIT_MODULE && id != NR_FINIT_MODULE)
		return 0;
	return module_exit(ret, id);
}

/* Kernels with module support: the per-syscall tracepoints, cheap as any other (the cookie: which call). */
SEC("tracepoint/syscalls/sys_exit_init_module")
ATTACH_WITH(module__exit_init_module, "syscalls/sys_exit_init_module", NR_INIT_MODULE)
ATTACH_WITH(module__exit_finit_module, "syscalls/sys_exit_finit_module", NR_FINIT_MODULE)
int module__exit(struct trace_event_raw_sys_exit *ctx) { return module_exit(ctx->ret, bpf_get_attach_cookie(ctx)); }
