/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mounts (165), memfd_create (356), kernel module loads (603).
 *
 * mount(2) and move_mount(2) (the last step of the new mount API, where a
 * tree becomes visible) are both hooked; fsopen/fsconfig alone change no
 * namespace. Module loads use the init_module/finit_module tracepoints when
 * the kernel has them; a kernel built without modules has no such tracepoints
 * (the calls return ENOSYS), and then the raw_syscalls programs, which run on
 * every syscall (1.55x on a syscall-heavy loop), report the attempts: they
 * are attached only when asked for (--hooks all or load_module by name).
 */
#include "lib/common.h"

#define NR_INIT_MODULE 175
#define NR_FINIT_MODULE 313

static __always_inline int mount_exit(long ret)
{
	struct syscall_args a;
	if (!take_args(T_MOUNT, &a))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct file_event *e = file_record(task, T_MOUNT, ret);
	if (!e)
		return 0;
	fill_tree(&e->tree, task);
	__u32 pos = sizeof(*e);
	if (a.old_uid == 0) { /* mount(dev, dir, type, flags, data) */
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

SEC("tracepoint/syscalls/sys_enter_mount")
int mount__enter_mount(struct trace_event_raw_sys_enter *ctx)
{
	if (wanted(T_MOUNT))
		save_values(T_MOUNT, ctx->args[0], ctx->args[1], ctx->args[2], ctx->args[3], ctx->args[4], 0);
	return 0;
}
SEC("tracepoint/syscalls/sys_exit_mount")
int mount__exit_mount(struct trace_event_raw_sys_exit *ctx) { return mount_exit(ctx->ret); }
SEC("tracepoint/syscalls/sys_enter_move_mount")
int mount__enter_move_mount(struct trace_event_raw_sys_enter *ctx)
{
	if (wanted(T_MOUNT))
		save_values(T_MOUNT, ctx->args[0], ctx->args[1], ctx->args[2], ctx->args[3], ctx->args[4], 1);
	return 0;
}
SEC("tracepoint/syscalls/sys_exit_move_mount")
int mount__exit_move_mount(struct trace_event_raw_sys_exit *ctx) { return mount_exit(ctx->ret); }

SEC("tracepoint/syscalls/sys_enter_memfd_create")
int memfd__enter(struct trace_event_raw_sys_enter *ctx)
{
	if (wanted(T_MEMFD_CREATE))
		save_args(T_MEMFD_CREATE, ctx, 2);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_memfd_create")
int memfd__exit(struct trace_event_raw_sys_exit *ctx)
{
	struct syscall_args a;
	long ret = ctx->ret;
	if (!take_args(T_MEMFD_CREATE, &a))
		return 0;
	struct file_event *e = file_record(bpf_get_current_task_btf(), T_MEMFD_CREATE, ret);
	if (!e)
		return 0;
	e->fd = ret;
	e->flags = a.a[1];
	__u32 pos = put_str(e, sizeof(*e), &e->path, (void *)a.a[0], 256, true, T_MEMFD_CREATE);
	emit(e, pos);
	return 0;
}

static __always_inline int module_exit(long ret)
{
	struct syscall_args a;
	if (!take_args(T_LOAD_MODULE, &a))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct file_event *e = file_record(task, T_LOAD_MODULE, ret);
	if (!e)
		return 0;
	fill_tree(&e->tree, task);
	__u32 pos = sizeof(*e);
	if (a.old_uid == NR_FINIT_MODULE) {
		e->fd = a.a[0];
		pos = put_file_path(e, pos, &e->path, fd_file(task, (int)a.a[0]), T_LOAD_MODULE);
	}
	struct fs_struct *fs = BPF_CORE_READ(task, fs);
	pos = put_dentry_path(e, pos, &e->extra, BPF_CORE_READ(fs, pwd.dentry), BPF_CORE_READ(fs, pwd.mnt), T_LOAD_MODULE);
	emit(e, pos);
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_enter")
int module__enter_raw(struct trace_event_raw_sys_enter *ctx)
{
	long id = (int)ctx->id; /* an int in the tracepoint: the upper half is padding */
	if ((id != NR_INIT_MODULE && id != NR_FINIT_MODULE) || !wanted(T_LOAD_MODULE))
		return 0;
	save_values(T_LOAD_MODULE, ctx->args[0], ctx->args[1], ctx->args[2], 0, 0, id);
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_exit")
int module__exit_raw(struct trace_event_raw_sys_exit *ctx)
{
	long id = (int)ctx->id, ret = ctx->ret;
	if (id != NR_INIT_MODULE && id != NR_FINIT_MODULE)
		return 0;
	return module_exit(ret);
}

/* Kernels with module support: the per-syscall tracepoints, cheap as any other. */
SEC("tracepoint/syscalls/sys_enter_init_module")
int module__enter_init_module(struct trace_event_raw_sys_enter *ctx)
{
	if (wanted(T_LOAD_MODULE))
		save_values(T_LOAD_MODULE, ctx->args[0], ctx->args[1], ctx->args[2], 0, 0, NR_INIT_MODULE);
	return 0;
}
SEC("tracepoint/syscalls/sys_exit_init_module")
int module__exit_init_module(struct trace_event_raw_sys_exit *ctx) { return module_exit(ctx->ret); }
SEC("tracepoint/syscalls/sys_enter_finit_module")
int module__enter_finit_module(struct trace_event_raw_sys_enter *ctx)
{
	if (wanted(T_LOAD_MODULE))
		save_values(T_LOAD_MODULE, ctx->args[0], ctx->args[1], ctx->args[2], 0, 0, NR_FINIT_MODULE);
	return 0;
}
SEC("tracepoint/syscalls/sys_exit_finit_module")
int module__exit_finit_module(struct trace_event_raw_sys_exit *ctx) { return module_exit(ctx->ret); }
