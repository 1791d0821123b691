/* SPDX-License-Identifier: GPL-2.0 */
/* Credential bookkeeping shared by process.bpf.c and creds.bpf.c. */
#ifndef VIGIL_CREDS_H
#define VIGIL_CREDS_H

#include "common.h"

/* Processes whose root credentials have an explanation on record: a set-uid exec or a set*uid call. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u32);
} cred_source SEC(".maps");

static __always_inline void mark_cred_source(struct task_struct *task)
{
	__u32 tgid = task->tgid, one = 1;
	bpf_map_update_elem(&cred_source, &tgid, &one, BPF_ANY);
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

/* A set-uid-root exec: effective uid 0 while the real uid is not. */
static __always_inline void note_setuid_exec(struct task_struct *task)
{
	struct cred_ids c;
	fill_cred(&c, task);
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
	if (!wanted(T_PRIVESC))
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
	__u32 tgid = task->tgid;
	if (bpf_map_lookup_elem(&cred_source, &tgid))
		return;
	mark_cred_source(task);
	fill_header(&e->hdr, task, T_PRIVESC, sizeof(*e));
	e->hdr.flags = at;
	fill_tree(&e->tree, task);
	e->p_pid = parent->tgid;
	emit(e, sizeof(*e));
}

#endif
