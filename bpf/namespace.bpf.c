/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 708 namespace: a process changing its isolation, as container escapes and
 * sandbox setups do: setns (joining another process's namespace through a
 * /proc/PID/ns/ file or a pidfd), unshare, and clone/clone3 with CLONE_NEW*
 * flags. Decided at enter from the arguments (clone without CLONE_NEW* flags,
 * i.e. every ordinary fork, costs one test); reported at exit with the result
 * (for clone, the child's pid). Not covered: 32-bit syscalls; vfork/fork
 * never create namespaces.
 */
#include "lib/common.h"

#define NSFS_MAGIC 0x6e736673
#define CLONE_NEW_ANY (0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x00000080)

static __always_inline int ns_enter(struct trace_event_raw_sys_enter *ctx, __u32 action, __u64 flags, const int nargs)
{
	if (!wanted(T_NAMESPACE))
		return 0;
	struct syscall_args *a = save_args(T_NAMESPACE, ctx, nargs);
	if (a) {
		a->old_uid = action;
		a->a[5] = flags;
	}
	return 0;
}

static __always_inline int ns_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct syscall_args a;
	if (!take_args(T_NAMESPACE, &a))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_event *e = task_record(task, T_NAMESPACE, ctx->ret);
	if (!e)
		return 0;
	e->arg0 = a.old_uid;
	e->arg1 = a.a[5];
	fill_tree(&e->tree, task);
	__u32 pos = sizeof(*e);
	if (a.old_uid == NS_SETNS) {
		/* the namespace file (or pidfd) joined: its path, and for nsfs the namespace's inode */
		struct file *f = fd_file(task, (int)a.a[0]);
		e->arg2 = BPF_CORE_READ(f, f_inode, i_ino);
		if (BPF_CORE_READ(f, f_inode, i_sb, s_magic) == NSFS_MAGIC) {
			/* a namespace file has no path to walk: its kind ("mnt", "net"…) names it, with the inode */
			struct ns_common *ns = BPF_CORE_READ(f, f_inode, i_private);
			if (!ns)
				ns = BPF_CORE_READ(f, f_path.dentry, d_fsdata); /* older kernels keep it on the dentry */
			e->arg3 = 1;
			pos = put_str(e, pos, &e->text, BPF_CORE_READ(ns, ops, name), 16, false, T_NAMESPACE);
		} else {
			pos = put_file_path(e, pos, &e->text, f, T_NAMESPACE);
		}
	}
	emit(e, pos);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_setns")
int ns__enter_setns(struct trace_event_raw_sys_enter *ctx) { return ns_enter(ctx, NS_SETNS, ctx->args[1], 2); }
SEC("tracepoint/syscalls/sys_exit_setns")
int ns__exit_setns(struct trace_event_raw_sys_exit *ctx) { return ns_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_unshare")
int ns__enter_unshare(struct trace_event_raw_sys_enter *ctx) { return ns_enter(ctx, NS_UNSHARE, ctx->args[0], 1); }
SEC("tracepoint/syscalls/sys_exit_unshare")
int ns__exit_unshare(struct trace_event_raw_sys_exit *ctx) { return ns_exit(ctx); }

SEC("tracepoint/syscalls/sys_enter_clone")
int ns__enter_clone(struct trace_event_raw_sys_enter *ctx)
{
	__u64 flags = ctx->args[0];
	if (flags & CLONE_NEW_ANY)
		return ns_enter(ctx, NS_CLONE, flags, 1);
	return 0;
}
SEC("tracepoint/syscalls/sys_exit_clone")
int ns__exit_clone(struct trace_event_raw_sys_exit *ctx)
{
	/* the child returns 0 from clone too: only the parent's exit carries the saved arguments */
	return ctx->ret == 0 ? 0 : ns_exit(ctx);
}

SEC("tracepoint/syscalls/sys_enter_clone3")
int ns__enter_clone3(struct trace_event_raw_sys_enter *ctx)
{
	__u64 flags = 0;
	bpf_probe_read_user(&flags, sizeof(flags), (void *)ctx->args[0]); /* clone_args.flags is first */
	if (flags & CLONE_NEW_ANY)
		return ns_enter(ctx, NS_CLONE3, flags, 1);
	return 0;
}
SEC("tracepoint/syscalls/sys_exit_clone3")
int ns__exit_clone3(struct trace_event_raw_sys_exit *ctx) { return ctx->ret == 0 ? 0 : ns_exit(ctx); }
