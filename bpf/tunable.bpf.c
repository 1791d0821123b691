/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 709 sysctl_write: a kernel tunable under /proc/sys opened for writing
 * (kernel.randomize_va_space, core_pattern, modprobe, yama.ptrace_scope,
 * kptr_restrict, dmesg_restrict, unprivileged_bpf_disabled, vm
 * .unprivileged_userfaultfd and every other: rules pick the names).
 *
 * Decided at the open exit (shared with the file hooks and io_uring OPENAT)
 * from the procfs inode: a sysctl file carries its ctl_table entry, so any
 * path, link or bind mount to it counts and nothing is matched on strings.
 * Not covered: a write through a descriptor opened before the agent started.
 */
#include "lib/common.h"

/* A sysctl file (pi: its procfs inode, which has a ctl_table entry) opened for writing. */
static __always_inline void report_sysctl_write(struct task_struct *task, struct file *f, __u64 flags, long fd)
{
	if (!wanted(T_SYSCTL_WRITE))
		return;
	struct task_event *e = task_record(task, T_SYSCTL_WRITE, fd);
	if (!e)
		return;
	e->arg0 = flags;
	fill_tree(&e->tree, task);
	__u32 pos = put_file_path(e, sizeof(*e), &e->text, f, T_SYSCTL_WRITE);
	emit(e, pos);
}
