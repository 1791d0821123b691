/* SPDX-License-Identifier: GPL-2.0 */
/* Maps and helpers shared by every hook family. */
#ifndef VIGIL_COMMON_H
#define VIGIL_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "vigil.h"

#define AF_INET 2
#define AF_INET6 10
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFREG 0100000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define PF_KTHREAD 0x00200000
#define AT_FDCWD -100

/*
 * Ring buffer to userspace: 8 MiB, shared by every hook, all of it resident in
 * the agent (the reader maps the data once). From a quarter full it holds back
 * the processes over their rate (over_rate), so StormTest's flood with the agent
 * stopped for two seconds still leaves room for a quiet process's events, and
 * the pipeline bench loses nothing up to 100,000 events/s (2026-12-07); 16 MiB
 * did the same in 8 MiB more of the agent's memory.
 */
#define VIGIL_RING_BYTES   (8 << 20)
#define VIGIL_WAKEUP_BYTES (VIGIL_RING_BYTES / 16)

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, VIGIL_RING_BYTES);
} events SEC(".maps");

/*
 * 1 while the reader sleeps until a first record comes, 0 while it drains or lets records gather:
 * the agent writes it through a mapping of its own (RingBuffer.awaitFirstRecord). Read by emit().
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} reader_waiting SEC(".maps");

struct scratch {
	__u8 buf[VIGIL_SCRATCH];
};

/* Where a record is built before it is copied into the ring buffer. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2); /* 0: the record, 1: path assembly */
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

/* A syscall's arguments as its exit program reads them (see call_args). */
struct syscall_args {
	__u64 a[5];
};

/* Loss counters: index type * L_CAUSES + cause; type L_ALL_HOOKS sums them all by cause. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, T_SLOTS * L_CAUSES);
	__type(key, __u32);
	__type(value, __u64);
} losses SEC(".maps");

/* Per-hook switches written by userspace: non-zero is on. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, T_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} hook_switch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vigil_config);
} vigil_cfg SEC(".maps");

/* Keep the record types in BTF so userspace can check its layouts against them. */
const struct exec_event *unused_exec_event __attribute__((unused));
const struct net_event *unused_net_event __attribute__((unused));
const struct dns_event *unused_dns_event __attribute__((unused));
const struct file_event *unused_file_event __attribute__((unused));
const struct task_event *unused_task_event __attribute__((unused));
const struct cred_event *unused_cred_event __attribute__((unused));
const struct scan_event *unused_scan_event __attribute__((unused));
const struct vigil_config *unused_vigil_config __attribute__((unused));
const struct watch_key *unused_watch_key __attribute__((unused));
const struct inode_key *unused_inode_key __attribute__((unused));
/* and the loss causes, so userspace can check its names and the all-hooks slot against them */
const enum vigil_loss unused_vigil_loss __attribute__((unused));
const enum vigil_watched_action unused_vigil_watched_action __attribute__((unused));
const struct watch_prefix *unused_watch_prefix __attribute__((unused));

static __always_inline void count_loss(__u32 type, __u32 cause)
{
	__u32 key = (type % T_SLOTS) * L_CAUSES + cause;
	__u64 *n = bpf_map_lookup_elem(&losses, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	key = L_ALL_HOOKS * L_CAUSES + cause;
	n = bpf_map_lookup_elem(&losses, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
}

/* A window of repeats of one thing (a failed connect, a process_vm call): when it began, how many were sent in it. */
struct repeat_window {
	__u64 since;
	__u64 sent;
};

/*
 * One more repeat of `key` in `windows` (an LRU hash of repeat_window): true when it is past
 * `repeats` in its window, counted as folded (L_FOLDED) for hook `type` and not to be sent.
 */
static __always_inline bool repeat_folded(void *windows, void *key, __u32 repeats, __u64 window_ns, __u32 type)
{
	__u64 now = bpf_ktime_get_ns();
	struct repeat_window *w = bpf_map_lookup_elem(windows, key);
	if (!w || now - w->since >= window_ns) {
		struct repeat_window fresh = {.since = now, .sent = 1};
		bpf_map_update_elem(windows, key, &fresh, BPF_ANY);
		return false;
	}
	if (w->sent >= repeats) {
		count_loss(type, L_FOLDED);
		return true;
	}
	__sync_fetch_and_add(&w->sent, 1);
	return false;
}

static __always_inline struct vigil_config *cfg(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&vigil_cfg, &zero);
}

/* Is hook `type` on? */
static __always_inline bool hook_on(__u32 type)
{
	__u32 key = type;
	__u32 *on = bpf_map_lookup_elem(&hook_switch, &key);
	return on && *on;
}

/* Is hook `type` on, and is the current task someone other than the agent? */
static __always_inline bool wanted(__u32 type)
{
	if (!hook_on(type))
		return false;
	struct vigil_config *c = cfg();
	if (c && c->agent_tgid == (__u32)(bpf_get_current_pid_tgid() >> 32))
		return false;
	return true;
}

static __always_inline void *record_area(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&scratch_map, &zero);
}

static __always_inline __u8 *path_area(void)
{
	__u32 one = 1;
	return bpf_map_lookup_elem(&scratch_map, &one);
}

/*
 * fill_header and fill_cred load fields directly: `task` is a BTF pointer (a
 * tp_btf argument or bpf_get_current_task_btf()), so each load is one
 * instruction the JIT guards, where BPF_CORE_READ costs a helper call per hop.
 * A NULL or stale pointer along the way reads as zero. Walks (the ancestry,
 * the socket search) load directly too, inside global functions, where the
 * verifier checks their unrolled loops once per program.
 */

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* A task pointer read out of memory (a plain number to the verifier), made readable field by field. */
static __always_inline struct task_struct *as_task(const void *p)
{
	return bpf_rdonly_cast(p, bpf_core_type_id_kernel(struct task_struct));
}

/* The same for a file pointer: NULL stays NULL. */
static __always_inline struct sock *as_sock(const void *p)
{
	return p ? bpf_rdonly_cast(p, bpf_core_type_id_kernel(struct sock)) : NULL;
}

static __always_inline struct file *as_file(const void *p)
{
	return p ? bpf_rdonly_cast(p, bpf_core_type_id_kernel(struct file)) : NULL;
}

/*
 * One program for several tracepoints of one record format (the exits of every
 * path-naming syscall): the agent attaches it at each point the tags name, under
 * that name for hook selection, and the verifier checks it once, not per syscall.
 */
#define ATTACH_AT(name, tracepoint) __attribute__((btf_decl_tag("vigil.attach:" #name " tracepoint/" tracepoint)))
/* The same, with a number the program reads back with bpf_get_attach_cookie() (which call it is serving). */
#define VIGIL_STR(x) #x
#define VIGIL_XSTR(x) VIGIL_STR(x)
#define ATTACH_WITH(name, tracepoint, cookie) \
	__attribute__((btf_decl_tag("vigil.attach:" #name " tracepoint/" tracepoint " " VIGIL_XSTR(cookie))))

/* A pointer as a plain number, for a global function's scalar argument: copied off the stack by a helper, it is one. */
static __always_inline __u64 address_of(const void *p)
{
	const void *slot = p;
	__u64 v = 0;
	bpf_probe_read_kernel(&v, sizeof(v), &slot);
	return v;
}

/* Fills the common header from `task` (the current task unless a hook says otherwise). */
static __always_inline void fill_header(struct event_header *h, struct task_struct *task, __u32 type, __u32 size)
{
	h->type = type;
	h->size = size;
	h->ts = bpf_ktime_get_boot_ns();
	struct task_struct *leader = task->group_leader;
	h->start_time = leader->start_boottime;
	h->cgroup_id = task->cgroups->dfl_cgrp->kn->id;
	h->pid = task->tgid;
	h->tid = task->pid;
	h->ppid = task->real_parent->tgid;
	struct signal_struct *sig = task->signal;
	h->pgid = sig->pids[PIDTYPE_PGID]->numbers[0].nr;
	h->sid = sig->pids[PIDTYPE_SID]->numbers[0].nr;
	const struct cred *cred = task->real_cred;
	h->uid = cred->uid.val;
	h->gid = cred->gid.val;
	h->euid = cred->euid.val;
	h->egid = cred->egid.val;
	h->loginuid = task->loginuid.val;
	h->sessionid = task->sessionid;
	struct nsproxy *ns = task->nsproxy;
	h->pns = ns->pid_ns_for_children->ns.inum;
	h->mntns = ns->mnt_ns->ns.inum;
	h->netns = ns->net_ns->ns.inum;
	h->res = 0;
	h->flags = 0;
	__builtin_memcpy(h->comm, task->comm, sizeof(h->comm));
	h->comm[sizeof(h->comm) - 1] = 0;
}

/*
 * The ancestry, up to VIGIL_TREE_DEPTH levels, by direct loads through
 * bpf_rdonly_cast (one guarded instruction each, no helper call). A global
 * function: the verifier checks the unrolled walk once per program, not once
 * per call site and branch (inlined, it multiplied load time tenfold).
 */
__noinline int fill_tree_once(struct pid_tree *tree, __u64 task_addr)
{
	struct task_struct *task = as_task((void *)task_addr);
	if (!tree)
		return 0;
	tree->depth = 0;
#pragma unroll
	for (int i = 0; i < VIGIL_TREE_DEPTH; i++) {
		if (!task)
			break;
		__u32 pid = task->tgid;
		struct task_struct *leader = task->group_leader;
		tree->node[i].pid = pid;
		tree->node[i].start = leader->start_boottime;
		__builtin_memcpy(&tree->node[i].comm, leader->comm, sizeof(tree->node[i].comm));
		tree->node[i].comm[sizeof(tree->node[i].comm) - 1] = 0;
		tree->depth = i + 1;
		if (pid <= 1)
			break;
		task = task->real_parent;
	}
	return 0;
}

static __always_inline void fill_tree(struct pid_tree *tree, struct task_struct *task)
{
	fill_tree_once(tree, address_of(task));
}

/* Effective and permitted capability sets (kernel_cap_t is 64 bits: one u64 since 6.3, two u32 before). */
static __always_inline void fill_caps(struct task_struct *task, __u64 *effective, __u64 *permitted)
{
	const struct cred *cred = BPF_CORE_READ(task, real_cred);
	bpf_probe_read_kernel(effective, sizeof(*effective), &cred->cap_effective);
	bpf_probe_read_kernel(permitted, sizeof(*permitted), &cred->cap_permitted);
}

#define OVERLAYFS_SUPER_MAGIC 0x794c7630 /* a container's root file system */

/* One level of a struct pid: the number it has in the namespace of that level, and the namespace. */
static __always_inline struct upid pid_at(struct pid *p, __u32 level)
{
	struct upid u = {};
	unsigned long at = (unsigned long)p + bpf_core_field_offset(struct pid, numbers) + (level & 31) * bpf_core_type_size(struct upid);
	bpf_probe_read_kernel(&u, sizeof(u), (void *)at);
	return u;
}

/*
 * The task's pid inside its own pid namespace (1 for a container's first process), and its
 * parent's pid as that namespace sees it (0 when the parent is outside it, as a runtime is).
 */
static __always_inline void fill_vpids(struct task_struct *task, __u32 *vpid, __u32 *pvpid)
{
	struct pid *own = BPF_CORE_READ(task, thread_pid);
	struct pid *parent = BPF_CORE_READ(task, real_parent, thread_pid);
	__u32 level = BPF_CORE_READ(own, level);
	struct upid mine = pid_at(own, level);
	*vpid = mine.nr;
	if (parent && BPF_CORE_READ(parent, level) >= level) {
		struct upid theirs = pid_at(parent, level);
		*pvpid = theirs.ns == mine.ns ? theirs.nr : 0;
	}
}

static __always_inline void fill_cred(struct cred_ids *c, struct task_struct *task)
{
	const struct cred *cred = task->real_cred;
	c->uid = cred->uid.val;
	c->gid = cred->gid.val;
	c->suid = cred->suid.val;
	c->sgid = cred->sgid.val;
	c->euid = cred->euid.val;
	c->egid = cred->egid.val;
	c->fsuid = cred->fsuid.val;
	c->fsgid = cred->fsgid.val;
}

/* The rate limit's state per process (tgid): when its next event is due at its allowed rate. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u64);
} rate_due SEC(".maps");

/* The ring is filling: the agent is falling behind, and the noisiest processes must yield. */
#define VIGIL_PRESSURE_BYTES (VIGIL_RING_BYTES / 4)

/*
 * Whether the process an event is about is over its rate (a generic cell rate check: each
 * event moves its due time one interval on; it may run `burst` ahead). Consulted only under
 * pressure, so an ordinary burst costs nothing and loses nothing. The process cache's own
 * records (exec, fork, exit) and the agent's tamper reports are never limited.
 */
static __always_inline bool over_rate(struct event_header *h)
{
	__u32 type = h->type;
	if (type == T_EXECVE || type == T_FORK || type == T_EXIT || type == T_AGENT_TAMPER)
		return false;
	struct vigil_config *c = cfg();
	if (!c || !c->rate_interval_ns)
		return false;
	__u32 tgid = h->pid;
	__u64 now = bpf_ktime_get_ns();
	__u64 *due = bpf_map_lookup_elem(&rate_due, &tgid);
	if (!due) {
		__u64 next = now + c->rate_interval_ns;
		bpf_map_update_elem(&rate_due, &tgid, &next, BPF_ANY);
		return false;
	}
	__u64 d = *due;
	if (d > now + c->rate_burst_ns)
		return true;
	*due = (d > now ? d : now) + c->rate_interval_ns;
	return false;
}

/* Sends `size` bytes of the record at `rec`, counting a full ring buffer. */
static __always_inline void emit(void *rec, __u32 size)
{
	struct event_header *h = rec;
	__u32 type = h->type;
	if (size > VIGIL_RECORD_MAX) {
		size = VIGIL_RECORD_MAX;
		count_loss(type, L_TRUNCATED);
	}
	h->size = size;
	/*
	 * No wakeup per record: in a VM each one is a self-IPI costing microseconds
	 * (one per drain under load, a few tenths of a us per exec, docs/benchmarks.md).
	 * Only a reader asleep until a first record is woken, and without flags
	 * the kernel does that only for the record the reader had caught up to.
	 * A reader that drains on its own clock while events keep coming is never
	 * woken, but by a burst that has filled a sixteenth of the ring, to drain early.
	 */
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	if (avail >= VIGIL_PRESSURE_BYTES && over_rate(h)) {
		count_loss(type, L_RATE_LIMITED);
		return;
	}
	__u32 zero = 0;
	__u32 *waiting = bpf_map_lookup_elem(&reader_waiting, &zero);
	__u64 wake = avail >= VIGIL_WAKEUP_BYTES ? BPF_RB_FORCE_WAKEUP : waiting && *(volatile __u32 *)waiting ? 0 : BPF_RB_NO_WAKEUP;
	barrier_var(size); /* keep the mask: clang knows the bound, the verifier must see it */
	if (bpf_ringbuf_output(&events, rec, size & (VIGIL_SCRATCH - 1), wake))
		count_loss(type, L_RINGBUF_FULL);
}

/*
 * String writers. Each appends at `pos` (record-relative), fills `ref`, and
 * returns the new end. Positions stay below VIGIL_RECORD_MAX and lengths below
 * VIGIL_STR_MAX so every access is provably inside the 32 KiB scratch area.
 */
/*
 * Room left in the record at `pos` for up to `want` bytes. A record never
 * grows past VIGIL_RECORD_MAX: a field that does not fit is cut (or left
 * empty) and counted as truncated. Positions must never wrap, or attacker-
 * sized strings (argv, LD_PRELOAD, a long path) would land on the header.
 */
static __always_inline __u32 room(__u32 pos, __u32 want, __u32 type)
{
	if (pos >= VIGIL_RECORD_MAX) {
		count_loss(type, L_TRUNCATED);
		return 0;
	}
	if (want > VIGIL_RECORD_MAX - pos) {
		count_loss(type, L_TRUNCATED);
		return VIGIL_RECORD_MAX - pos;
	}
	return want;
}

/*
 * put_str's body is a global function: the verifier checks it once per program
 * instead of once per call site and caller state (exec records call it twenty
 * times). It returns the length written << 32 | the new end.
 */
__noinline __u64 put_str_once(struct scratch *rec, __u32 pos, __u64 src, __u32 max, __u32 how)
{
	__u32 type = how & 0xffff;
	bool user = how >> 31;
	if (max > VIGIL_STR_MAX)
		max = VIGIL_STR_MAX;
	max = room(pos, max, type);
	barrier_var(max); /* keep the masks below: clang would drop them, and the verifier needs them */
	if (!rec || !src || max < 1)
		return pos; /* unchanged, never wrapped: the next field is refused too */
	barrier_var(pos);
	pos &= VIGIL_RECORD_MAX - 1; /* a no-op here (pos < VIGIL_RECORD_MAX); it bounds pos for the verifier */
	long n = user ? bpf_probe_read_user_str(rec->buf + pos, max & (VIGIL_STR_MAX * 2 - 1), (const void *)src)
		      : bpf_probe_read_kernel_str(rec->buf + pos, max & (VIGIL_STR_MAX * 2 - 1), (const void *)src);
	if (n <= 0) {
		count_loss(type, L_READ_FAULT);
		return pos;
	}
	if (n == max)
		count_loss(type, L_TRUNCATED);
	return (__u64)(n - 1) << 32 | (pos + n - 1);
}

static __always_inline __u32 put_str(void *rec, __u32 pos, struct str_ref *ref, const void *src, __u32 max, bool user, __u32 type)
{
	__u64 r = put_str_once(rec, pos, address_of(src), max, (type % T_SLOTS) | (user ? 1u << 31 : 0));
	ref->off = pos & (VIGIL_RECORD_MAX - 1);
	ref->len = r >> 32;
	return (__u32)r;
}

static __always_inline __u32 put_bytes(void *rec, __u32 pos, struct str_ref *ref, const void *src, __u32 len, bool user, __u32 type)
{
	len &= VIGIL_STR_MAX * 2 - 1;
	if (len > VIGIL_STR_MAX)
		len = VIGIL_STR_MAX;
	len = room(pos, len, type);
	barrier_var(len);
	ref->off = pos & (VIGIL_RECORD_MAX - 1);
	ref->len = 0;
	len &= VIGIL_STR_MAX * 2 - 1;
	if (!src || !len)
		return pos;
	barrier_var(pos);
	pos &= VIGIL_RECORD_MAX - 1;
	long err = user ? bpf_probe_read_user(rec + pos, len, src) : bpf_probe_read_kernel(rec + pos, len, src);
	if (err) {
		count_loss(type, L_READ_FAULT);
		return pos;
	}
	ref->len = len;
	return pos + len;
}

#define PATH_DEPTH 64

struct path_walk {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	__u8 *pb;
	__u32 off;
	__u32 complete;
};

/*
 * One step up the tree: a mount crossing or one name written right to left. The dentries and
 * mounts are read-only casts, so each field is one guarded load, not a helper call: the only
 * call per step copies the name (BPF_CORE_READ's five calls a step made the paths of an exec
 * 2.3 of its 7.6 us, docs/benchmarks.md).
 */
static long path_step(__u32 i, struct path_walk *w)
{
	struct dentry *dentry = w->dentry;
	struct vfsmount *vfsmnt = w->vfsmnt;
	struct dentry *parent = dentry->d_parent;
	if (vfsmnt && dentry == vfsmnt->mnt_root) {
		struct mount *mnt = w->mnt;
		struct mount *up = mnt->mnt_parent;
		if (up == mnt || !up) {
			w->complete = 1;
			return 1;
		}
		w->dentry = bpf_rdonly_cast(mnt->mnt_mountpoint, bpf_core_type_id_kernel(struct dentry));
		w->mnt = bpf_rdonly_cast(up, bpf_core_type_id_kernel(struct mount));
		w->vfsmnt = bpf_rdonly_cast(&up->mnt, bpf_core_type_id_kernel(struct vfsmount));
		return 0;
	}
	const unsigned char *name = dentry->d_name.name;
	__u32 len = dentry->d_name.len & 255;
	if (dentry == parent || !parent) {
		/* A file system's root, or a pseudo file (memfd, pipe) that is its own parent: name it unless it is "/". */
		w->complete = 1;
		char first = 0;
		bpf_probe_read_kernel(&first, 1, name);
		if (len == 0 || (len == 1 && first == '/'))
			return 1;
		parent = dentry;
	}
	if (len + 1 >= w->off)
		return 1;
	__u32 off = (w->off - len - 1) & (VIGIL_STR_MAX - 1);
	if (!w->pb)
		return 1;
	bpf_probe_read_kernel(w->pb + off + 1, len, name);
	w->pb[off] = '/';
	w->off = off;
	if (parent == dentry)
		return 1;
	w->dentry = bpf_rdonly_cast(parent, bpf_core_type_id_kernel(struct dentry));
	return 0;
}

__noinline __u64 put_dentry_path_once(struct scratch *rec, __u32 pos, __u64 dentry, __u64 vfsmnt, __u32 type)
{
	if (pos >= VIGIL_RECORD_MAX) {
		count_loss(type, L_TRUNCATED);
		return pos;
	}
	barrier_var(pos);
	pos &= VIGIL_RECORD_MAX - 1;
	if (!rec || !dentry)
		return pos;
	struct path_walk w = {
		.dentry = bpf_rdonly_cast((void *)dentry, bpf_core_type_id_kernel(struct dentry)),
		.vfsmnt = vfsmnt ? bpf_rdonly_cast((void *)vfsmnt, bpf_core_type_id_kernel(struct vfsmount)) : NULL,
		.mnt = vfsmnt ? bpf_rdonly_cast(container_of((struct vfsmount *)vfsmnt, struct mount, mnt), bpf_core_type_id_kernel(struct mount)) : NULL,
		.pb = path_area(), .off = VIGIL_STR_MAX,
	};
	if (!w.pb)
		return pos;
	bpf_loop(PATH_DEPTH, path_step, &w, 0);
	if (!w.complete)
		count_loss(type, L_TRUNCATED);
	__u32 off = w.off;
	if (off >= VIGIL_STR_MAX) {
		off = VIGIL_STR_MAX - 1;
		w.pb[off] = '/';
	}
	off &= VIGIL_STR_MAX - 1;
	__u32 len = room(pos, (VIGIL_STR_MAX - off) & (VIGIL_STR_MAX - 1), type);
	barrier_var(len);
	len &= VIGIL_STR_MAX - 1;
	barrier_var(pos);
	pos &= VIGIL_RECORD_MAX - 1;
	if (!len || bpf_probe_read_kernel(rec->buf + pos, len, w.pb + off))
		return pos;
	return (__u64)len << 32 | (pos + len);
}

/*
 * Writes the absolute path of (dentry, vfsmnt), walking d_parent and crossing
 * mounts. Built right to left in the path area, then copied into the record.
 * Files outside any mount tree (pipes, sockets, memfd) come out as "/name".
 * A global function underneath, verified once per program.
 */
static __always_inline __u32 put_dentry_path(void *rec, __u32 pos, struct str_ref *ref, struct dentry *dentry, struct vfsmount *vfsmnt, __u32 type)
{
	__u64 r = put_dentry_path_once(rec, pos, address_of(dentry), address_of(vfsmnt), type % T_SLOTS);
	ref->off = pos & (VIGIL_RECORD_MAX - 1);
	ref->len = r >> 32;
	return (__u32)r;
}

/* The file behind `fd` of `task` (a BTF pointer: its fields are direct loads), as a BTF pointer. */
static __always_inline struct file *fd_file(struct task_struct *task, long fd)
{
	struct fdtable *fdt = task->files->fdt;
	unsigned int max = fdt->max_fds;
	if (fd < 0 || fd >= max)
		return NULL;
	/* a helper call: a read-only cast to untyped memory would be a load, but kernels before 6.17 refuse it */
	struct file **array = fdt->fd;
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &array[fd]);
	return as_file(f);
}

static __always_inline __u32 put_file_path(void *rec, __u32 pos, struct str_ref *ref, struct file *f, __u32 type)
{
	if (!f) {
		ref->off = pos & (VIGIL_RECORD_MAX - 1);
		ref->len = 0;
		return pos;
	}
	return put_dentry_path(rec, pos, ref, BPF_CORE_READ(f, f_path.dentry), BPF_CORE_READ(f, f_path.mnt), type);
}

/* The path a *at() call names: absolute as given, or joined to dirfd's (or the cwd's) path. */
/* A path named relative to `dirfd` (or the cwd), joined to it; `user` says whose memory holds the name. */
static __always_inline __u32 put_path_at(void *rec, __u32 pos, struct str_ref *ref, long dirfd, const char *name, bool user, __u32 type)
{
	char first = 0;
	if (user)
		bpf_probe_read_user(&first, 1, name);
	else
		bpf_probe_read_kernel(&first, 1, name);
	if (first == '/' || !name)
		return put_str(rec, pos, ref, name, VIGIL_STR_MAX, user, type);
	struct task_struct *task = bpf_get_current_task_btf();
	struct str_ref dir;
	if (dirfd == AT_FDCWD) {
		struct fs_struct *fs = BPF_CORE_READ(task, fs);
		pos = put_dentry_path(rec, pos, &dir, BPF_CORE_READ(fs, pwd.dentry), BPF_CORE_READ(fs, pwd.mnt), type);
	} else {
		pos = put_file_path(rec, pos, &dir, fd_file(task, dirfd), type);
	}
	if (pos >= VIGIL_RECORD_MAX - 1) {
		*ref = dir;
		count_loss(type, L_TRUNCATED);
		return pos;
	}
	barrier_var(pos);
	pos &= VIGIL_RECORD_MAX - 1;
	if (first && !(dir.len == 1)) {
		((char *)rec)[pos] = '/';
		pos++;
	}
	struct str_ref leaf;
	pos = put_str(rec, pos, &leaf, name, VIGIL_STR_MAX, user, type);
	ref->off = dir.off;
	ref->len = (pos - dir.off) & (VIGIL_STR_MAX * 2 - 1);
	return pos;
}

static __always_inline __u32 put_at_path(void *rec, __u32 pos, struct str_ref *ref, long dirfd, const char *user_path, __u32 type)
{
	return put_path_at(rec, pos, ref, dirfd, user_path, true, type);
}

static __always_inline __u32 inode_mode(struct file *f)
{
	return BPF_CORE_READ(f, f_inode, i_mode);
}

static __always_inline __u32 put_sb_id(void *rec, __u32 pos, struct str_ref *ref, struct file *f, __u32 type)
{
	if (!f)
		return put_str(rec, pos, ref, NULL, 0, false, type);
	struct super_block *sb = BPF_CORE_READ(f, f_inode, i_sb);
	return put_str(rec, pos, ref, __builtin_preserve_access_index(&sb->s_id), 32, false, type);
}

/* Socket of an fd's file, or NULL when the file is not a socket (direct loads: `f` is a BTF pointer). */
static __always_inline struct sock *file_sock(struct file *any)
{
	struct file *f = as_file(any);
	if (!f || (f->f_inode->i_mode & S_IFMT) != S_IFSOCK)
		return NULL;
	struct socket *s = bpf_rdonly_cast(f->private_data, bpf_core_type_id_kernel(struct socket));
	return s ? as_sock(s->sk) : NULL;
}

/*
 * Both ends of an inet socket; false for other families. Direct loads through a
 * bpf_rdonly_cast pointer: one guarded instruction each, no helper call.
 */
static __always_inline bool sock_pair(struct sock *sk_any, struct inet_pair *p)
{
	struct sock *sk = as_sock(sk_any);
	if (!sk)
		return false;
	__u16 family = sk->__sk_common.skc_family;
	if (family != AF_INET && family != AF_INET6)
		return false;
	p->family = family;
	p->protocol = sk->sk_protocol;
	p->sport = sk->__sk_common.skc_num;
	p->dport = bpf_ntohs(sk->__sk_common.skc_dport);
	if (family == AF_INET) {
		__u32 src = sk->__sk_common.skc_rcv_saddr, dst = sk->__sk_common.skc_daddr;
		__builtin_memcpy(p->sip, &src, 4);
		__builtin_memcpy(p->dip, &dst, 4);
	} else {
		bpf_probe_read_kernel(p->sip, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_probe_read_kernel(p->dip, 16, &sk->__sk_common.skc_v6_daddr);
	}
	return true;
}

/* Reads a user sockaddr into the destination side of p; false unless inet. */
static __always_inline bool user_sockaddr(const void *uaddr, struct inet_pair *p, bool as_source)
{
	struct sockaddr_in6 sa = {};
	if (!uaddr || bpf_probe_read_user(&sa, sizeof(sa), uaddr))
		return false;
	if (sa.sin6_family != AF_INET && sa.sin6_family != AF_INET6)
		return false;
	p->family = sa.sin6_family;
	__u16 port = bpf_ntohs(sa.sin6_port);
	__u8 *ip = as_source ? p->sip : p->dip;
	if (sa.sin6_family == AF_INET) {
		struct sockaddr_in *v4 = (void *)&sa;
		__builtin_memcpy(ip, &v4->sin_addr.s_addr, 4);
	} else {
		__builtin_memcpy(ip, &sa.sin6_addr, 16);
	}
	if (as_source)
		p->sport = port;
	else
		p->dport = port;
	return true;
}

/* A zeroed task_event for `task` in the record area, header filled; NULL when the area is missing. */
static __always_inline struct task_event *task_record(struct task_struct *task, __u32 type, long res)
{
	struct task_event *e = record_area();
	if (!e)
		return NULL;
	__builtin_memset(e, 0, sizeof(*e));
	fill_header(&e->hdr, task, type, sizeof(*e));
	e->hdr.res = res;
	e->text.off = sizeof(*e);
	return e;
}

static __always_inline struct file_event *file_record(struct task_struct *task, __u32 type, long res)
{
	struct file_event *e = record_area();
	if (!e)
		return NULL;
	__builtin_memset(e, 0, sizeof(*e));
	fill_header(&e->hdr, task, type, 0);
	e->hdr.res = res;
	return e;
}

/*
 * Syscall numbers, for the programs that must compare them (the raw_syscalls
 * fallback of module loads; a DNS reply read with read(2), seen from a socket
 * tracepoint; a loopback SYN sent by connect(2)). The architecture is chosen once, in bpf/build.sh.
 */
#if defined(__TARGET_ARCH_x86)
#define NR_INIT_MODULE 175
#define NR_FINIT_MODULE 313
#define NR_READ 0
#define NR_CONNECT 42
#define SYSCALL_NR(regs) ((regs)->orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define NR_INIT_MODULE 105
#define NR_FINIT_MODULE 273
#define NR_READ 63
#define NR_CONNECT 203
#define SYSCALL_NR(regs) ((regs)->syscallno)
#else
#error "syscall numbers: add this architecture (bpf/build.sh chooses it)"
#endif

/*
 * The arguments of the syscall now exiting, from the user registers saved at its
 * entry (pt_regs): no syscall hooked here changes them, so the exit side alone
 * sees the whole call. Every syscall tracepoint puts every syscall of the system
 * on the kernel's slow path, once for enter tracepoints and once more for exit
 * ones (dd: 1.15 with an enter program, 1.27 with both); exits only, and no map
 * between the two sides.
 */
static __always_inline void call_args(struct syscall_args *a)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	a->a[0] = PT_REGS_PARM1_SYSCALL(regs);
	a->a[1] = PT_REGS_PARM2_SYSCALL(regs);
	a->a[2] = PT_REGS_PARM3_SYSCALL(regs);
	a->a[3] = PT_REGS_PARM4_SYSCALL(regs);
	a->a[4] = PT_REGS_PARM5_SYSCALL(regs);
}

#endif

#ifndef VIGIL_ARGS_HOOKS
#define VIGIL_ARGS_HOOKS
/*
 * A hook reported at its syscall's exit: a task_event with the call's arguments as arg0..arg2,
 * the result and the ancestry; NULL when the hook is off.
 */
static __always_inline struct task_event *args_record(struct trace_event_raw_sys_exit *ctx, __u32 type, struct syscall_args *a)
{
	if (!wanted(type))
		return NULL;
	call_args(a);
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_event *e = task_record(task, type, ctx->ret);
	if (!e)
		return NULL;
	e->arg0 = a->a[0];
	e->arg1 = a->a[1];
	e->arg2 = a->a[2];
	fill_tree(&e->tree, task);
	return e;
}
#endif
