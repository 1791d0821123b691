/* SPDX-License-Identifier: GPL-2.0 */
/* Credential bookkeeping shared by process.bpf.c and creds.bpf.c. */
#ifndef VIGIL_CREDS_H
#define VIGIL_CREDS_H

#include "common.h"

/*
 * Processes whose root credentials have an explanation on record (a set-uid exec or a set*uid
 * call), marked on the thread group leader's task (task local storage). The mark lives and dies
 * with the task: a reused pid never inherits it, and an exit costs nothing (a hash map keyed by
 * tgid cost every exit a look-up, about 0.4 us here, to delete the few entries; docs/benchmarks.md).
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} root_explained SEC(".maps");

/* The mark of `task`'s process, made (unset) when `create` and it has none; NULL when it has none, or under recursion. */
static __always_inline __u32 *explained(struct task_struct *task, bool create)
{
	struct task_struct *leader = task->group_leader;
	return leader ? bpf_task_storage_get(&root_explained, leader, 0, create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0) : NULL;
}

/*
 * The real uid each process last had where Vigil saw it (its exec, its last set*uid call), with
 * the process's start time so a reused pid never inherits it: what a set*uid exit compares the
 * new credentials against, with no enter program to note them before the call.
 */
struct uid_seen {
	__u64 start;
	__u32 uid;
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct uid_seen);
} uid_seen SEC(".maps");

static __always_inline void note_uid(struct task_struct *task, __u32 uid)
{
	__u32 tgid = task->tgid;
	struct uid_seen v = {.start = task->group_leader->start_boottime, .uid = uid};
	bpf_map_update_elem(&uid_seen, &tgid, &v, BPF_ANY);
}

/* The real uid `task` had before: as last seen, else its parent's as last seen, else its parent's now. */
static __always_inline __u32 uid_before(struct task_struct *task)
{
	struct task_struct *parent = task->real_parent;
	__u32 uid = parent->real_cred->uid.val; /* read first: the verifier refuses one load serving two kinds of pointer */
	barrier_var(uid);
	__u32 tgid = task->tgid, ptgid = parent->tgid;
	struct uid_seen *v = bpf_map_lookup_elem(&uid_seen, &tgid);
	if (v && v->start == task->group_leader->start_boottime)
		return v->uid;
	v = bpf_map_lookup_elem(&uid_seen, &ptgid);
	if (v && v->start == parent->group_leader->start_boottime)
		return v->uid;
	return uid;
}

static __always_inline void mark_cred_source(struct task_struct *task)
{
	__u32 *mark = explained(task, true);
	if (mark)
		*mark = 1;
}

static __always_inline bool has_root(struct cred_ids *c)
{
	return c->uid == 0 || c->euid == 0 || c->fsuid == 0;
}

/* 604 update_cred: uid `old_uid` (not root) now holds root. */
static __always_inline void emit_update_cred(struct task_struct *task, __u32 old_uid, long res)
{
	struct task_event *e = record_area();
	if (!e)
		return;
	fill_header(&e->hdr, task, T_UPDATE_CRED, sizeof(*e));
	e->hdr.res = res;
	fill_tree(&e->tree, task);
	e->arg0 = old_uid;
	e->arg1 = e->arg2 = e->arg3 = 0;
	e->text.off = sizeof(*e);
	e->text.len = 0;
	emit(e, sizeof(*e));
}

/* At every exec: its real uid noted (see uid_seen); a set-uid-root exec (effective uid 0, the real one not) reported. */
static __always_inline void note_setuid_exec(struct task_struct *task)
{
	struct cred_ids c;
	fill_cred(&c, task);
	note_uid(task, c.uid);
	if (c.euid != 0 || c.uid == 0)
		return;
	mark_cred_source(task);
	if (wanted(T_UPDATE_CRED))
		emit_update_cred(task, c.uid, 0);
}

/*
 * 611: the task holds root credentials, its parent holds none, and no set-uid
 * exec or set*uid call explains it: the mark of a kernel exploit that rewrote
 * the task's cred. Checked at exec and at fork, reported once per process.
 */
static __always_inline void check_privesc(struct task_struct *task, __u32 at)
{
	if (!wanted(T_PRIVILEGE_ESCALATION))
		return;
	struct cred_event *e = record_area();
	if (!e)
		return;
	fill_cred(&e->c_cred, task);
	if (!has_root(&e->c_cred))
		return;
	struct task_struct *parent = task->real_parent;
	fill_cred(&e->p_cred, parent);
	if (has_root(&e->p_cred) || parent->tgid == 0)
		return;
	__u32 *mark = explained(task, false);
	if (mark && *mark)
		return;
	mark_cred_source(task);
	fill_header(&e->hdr, task, T_PRIVILEGE_ESCALATION, sizeof(*e));
	e->hdr.flags = at;
	fill_tree(&e->tree, task);
	e->p_pid = parent->tgid;
	emit(e, sizeof(*e));
}

#endif
