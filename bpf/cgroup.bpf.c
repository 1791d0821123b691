/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup v2 directories as they are made and removed (internal type 1001):
 * userspace maps cgroup ids (what every event's header carries) to container
 * ids from these, instead of rescanning /sys/fs/cgroup on the event path.
 * cgroup_mkdir/rmdir are not syscall tracepoints and fire only when a cgroup
 * is made or removed. v1 hierarchies are skipped: event headers carry the v2
 * (default hierarchy) id.
 */
#include "lib/common.h"

static __always_inline int cgroup_event(struct cgroup *cgrp, const char *path, long removed)
{
	struct task_struct *task = bpf_get_current_task_btf();
	/* the default (v2) hierarchy is the one every task's dfl_cgrp belongs to */
	if (BPF_CORE_READ(cgrp, root) != BPF_CORE_READ(task, cgroups, dfl_cgrp, root))
		return 0;
	struct task_event *e = task_record(task, T_CGROUP, 0);
	if (!e)
		return 0;
	e->arg0 = BPF_CORE_READ(cgrp, kn, id);
	e->arg1 = removed;
	__u32 pos = put_str(e, sizeof(*e), &e->text, path, VIGIL_STR_MAX, false, T_CGROUP);
	emit(e, pos);
	return 0;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(cgroup__mkdir, struct cgroup *cgrp, const char *path) { return cgroup_event(cgrp, path, 0); }

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(cgroup__rmdir, struct cgroup *cgrp, const char *path) { return cgroup_event(cgrp, path, 1); }
