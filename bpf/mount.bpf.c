/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mounts (165), memfd_create (356), kernel module loads (603).
 *
 * mount(2) and move_mount(2) (the last step of the new mount API, where a
 * tree becomes visible) are both hooked; fsopen/fsconfig alone change no
 * namespace. Module loads use the init_module/finit_module tracepoints when
 * the kernel has them; a kernel built without modules has no such tracepoints
 * (the calls return ENOSYS), and then the raw_syscalls exit program, which
 * runs on every syscall, reports the attempts: it is attached only when asked
 * for (--hooks all or load_module by name). Exits only, arguments from the
 * saved registers.
 */
#include "lib/common.h"

#define NR_INIT_MODULE 175
#define NR_FINIT_MODULE 313

/* mount(2) (cookie 0) and move_mount(2) (cookie 1), at exit. */
SEC("tracepoint/syscalls/sys_exit_mount")
ATTACH_WITH(mount__exit_mount, "syscalls/sys_exit_mount", 0)
ATTACH_WITH(mount__exit_move_mount, "syscalls/sys_exit_move_mount", 1)
int mount__exit(struct trace_event_raw_sys_exit *ctx)
{
	if (!wanted(T_MOUNT))
		return 0;
	long ret = ctx->ret;
	struct syscall_args a;
	call_args(&a);
	struct task_struct *task = bpf_get_current_task_btf();
	struct file_event *e = file_record(task, T_MOUNT, ret);
	if (!e)
		return 0;
	fill_tree(&e->tree, task);
	__u32 pos = sizeof(*e);
	if (!bpf_get_attach_cookie(ctx)) { /* mount(dev, dir, type, flags, data) */
		e->flags = a.a[3];
		pos = put_at_path(e, pos, &e->path, AT_FDCWD, (void *)a.a[1], T_MOUNT);
		pos = put_str(e, pos, &e->path2, (void *)a.a[0], 256, true, T_MOUNT);
		pos = put_str(e, pos, &e->extra, (void *)a.a[2], 64, true, T_MOUNT);
	} else { /* move_mount(from_dfd, from_path, to_dfd, to_path, flags) */
		e->flags = a.a[4];
		pos = put_at_path(e, pos, &e->path, (int)a.a[2], (void *)a.a[3], T_MOUNT);
		struct file *from = fd_file(task, (int)a.a[0]);
		if (from) {
			struct super_block *sb = BPF_CORE_READ(from, f_path.mnt, mnt_sb);
			pos = put_str(e, pos, &e->path2, __builtin_preserve_access_index(&sb->s_id), 32, false, T_MOUNT);
			pos = put_str(e, pos, &e->extra, BPF_CORE_READ(sb, s_type, name), 64, false, T_MOUNT);
		}
	}
	emit(e, pos);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_memfd_create")
int memfd__exit(struct trace_event_raw_sys_exit *ctx)
{
	if (!wanted(T_MEMFD_CREATE))
		return 0;
	long ret = ctx->ret;
	struct syscall_args a;
	call_args(&a); /* name, flags */
	struct file_event *e = file_record(bpf_get_current_task_btf(), T_MEMFD_CREATE, ret);
	if (!e)
		return 0;
	e->fd = ret;
	e->flags = a.a[1];
	__u32 pos = put_str(e, sizeof(*e), &e->path, (void *)a.a[0], 256, true, T_MEMFD_CREATE);
	emit(e, pos);
	return 0;
}

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
