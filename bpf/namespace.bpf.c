/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 708 namespace: a process changing its isolation, as container escapes and
 * sandbox setups do: setns (joining another process's namespace through a
 * /proc/PID/ns/ file or a pidfd), unshare, and clone/clone3 with CLONE_NEW*
 * flags. Decided and reported at exit, from the arguments in the saved
 * registers (clone without CLONE_NEW* flags, i.e. every ordinary fork, costs
 * one test), with the result (for clone, the child's pid). Not covered: 32-bit syscalls; vfork/fork
 * never create namespaces.
 */
#include "lib/common.h"

#define NSFS_MAGIC 0x6e736673
#define CLONE_NEW_ANY (0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x00000080)

/* setns, unshare, clone, clone3 at exit; the cookie is the action (enum vigil_ns_action). */
#define SETNS_COOKIE 1 /* tags need literal numbers */
#define UNSHARE_COOKIE 2
#define CLONE_COOKIE 3
#define CLONE3_COOKIE 4
_Static_assert(SETNS_COOKIE == NS_SETNS && UNSHARE_COOKIE == NS_UNSHARE && CLONE_COOKIE == NS_CLONE && CLONE3_COOKIE == NS_CLONE3,
	       "cookies are the actions");
SEC("tracepoint/syscalls/sys_exit_setns")
ATTACH_WITH(ns__exit_setns, "syscalls/sys_exit_setns", SETNS_COOKIE)
ATTACH_WITH(ns__exit_unshare, "syscalls/sys_exit_unshare", UNSHARE_COOKIE)
ATTACH_WITH(ns__exit_clone, "syscalls/sys_exit_clone", CLONE_COOKIE)
ATTACH_WITH(ns__exit_clone3, "syscalls/sys_exit_clone3", CLONE3_COOKIE)
int ns__exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 action = bpf_get_attach_cookie(ctx);
	/* the child returns 0 from clone too: the parent's exit reports it */
	if (((action == NS_CLONE || action == NS_CLONE3) && ctx->ret == 0) || !wanted(T_NAMESPACE))
		return 0;
	struct syscall_args a;
	call_args(&a);
	__u64 flags = action == NS_SETNS ? a.a[1] : a.a[0];
	if (action == NS_CLONE3) {
		flags = 0;
		bpf_probe_read_user(&flags, sizeof(flags), (void *)a.a[0]); /* clone_args.flags is first */
	}
	if ((action == NS_CLONE || action == NS_CLONE3) && !(flags & CLONE_NEW_ANY))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_event *e = task_record(task, T_NAMESPACE, ctx->ret);
	if (!e)
		return 0;
	e->arg0 = action;
	e->arg1 = flags;
	fill_tree(&e->tree, task);
	__u32 pos = sizeof(*e);
	if (action == NS_SETNS) {
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
