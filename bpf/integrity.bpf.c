/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Integrity: Vigil's second BPF object, separate from the sensor's, whose
 * programs are never attached. The agent runs them on demand with
 * BPF_PROG_TEST_RUN (raw_tp programs accept it, in the caller's context), so
 * that they read kernel memory where this kernel refuses kprobes, fentry and
 * modules. They only read: every write goes to this object's own maps.
 *
 * - integrity_read: copies up to 4 KiB of kernel memory at an address the
 *   agent chose (a function's first bytes, x64_sys_call, .rodata to find
 *   sys_call_table, the read-only IDT in the CPU entry area). The comparisons
 *   against kallsyms run in the agent, where they are unit-tested.
 * - integrity_tasks: the kernel's own list of processes (thread-group
 *   leaders on init_task.tasks), walked from the caller's group leader round
 *   the circular list: what a hook on /proc's readdir cannot filter. (The
 *   bpf_iter_task kfuncs were tried: on 6.18 they skip pid 1.)
 * - integrity_file_ops: for a file the agent opened (a descriptor number),
 *   the file_operations the kernel dispatches through, and their
 *   iterate_shared: where a rootkit replaces /proc's readdir.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "include/integrity.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct integrity_request);
} integrity_requests SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct integrity_chunk);
} integrity_chunks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct integrity_task_list);
} integrity_task_lists SEC(".maps");

static __always_inline struct integrity_request *request(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&integrity_requests, &zero);
}

static __always_inline struct integrity_chunk *chunk(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&integrity_chunks, &zero);
}

SEC("raw_tp")
int integrity_read(void *ctx)
{
	struct integrity_request *r = request();
	struct integrity_chunk *c = chunk();
	if (!r || !c)
		return 0;
	__u32 len = r->len;
	if (len > INTEGRITY_CHUNK)
		len = INTEGRITY_CHUNK;
	c->len = len;
	/* a fault (an unmapped address) is the result, never a crash */
	c->result = bpf_probe_read_kernel(c->data, len, (const void *)r->address);
	return 0;
}

struct walk {
	struct task_struct *first;
	struct list_head *next;
	struct integrity_task_list *out;
	__u32 done;
};

static long walk_one(__u64 i, struct walk *w)
{
	struct task_struct *t = (void *)w->next - bpf_core_field_offset(struct task_struct, tasks);
	__u32 n = w->out->count;
	if (n >= INTEGRITY_MAX_TASKS) {
		w->out->truncated = 1;
		return 1;
	}
	struct integrity_task *e = &w->out->tasks[n & (INTEGRITY_MAX_TASKS - 1)];
	e->tgid = BPF_CORE_READ(t, tgid);
	e->flags = BPF_CORE_READ(t, flags);
	e->start_boottime = BPF_CORE_READ(t, start_boottime);
	BPF_CORE_READ_STR_INTO(&e->comm, t, comm);
	w->out->count = n + 1;
	w->next = BPF_CORE_READ(t, tasks.next);
	if (!w->next || (void *)w->next - bpf_core_field_offset(struct task_struct, tasks) == (void *)w->first) {
		w->done = 1;
		return 1;
	}
	return 0;
}

SEC("raw_tp")
int integrity_tasks(void *ctx)
{
	__u32 zero = 0;
	struct integrity_task_list *out = bpf_map_lookup_elem(&integrity_task_lists, &zero);
	if (!out)
		return 0;
	struct task_struct *self = (struct task_struct *)bpf_get_current_task();
	struct walk w = {.out = out};
	w.first = BPF_CORE_READ(self, group_leader);
	w.next = (struct list_head *)((void *)w.first + bpf_core_field_offset(struct task_struct, tasks));
	out->count = 0;
	out->truncated = 0;
	bpf_loop(INTEGRITY_MAX_TASKS + 1, walk_one, &w, 0);
	out->complete = w.done;
	return 0;
}

SEC("raw_tp")
int integrity_file_ops(void *ctx)
{
	struct integrity_request *r = request();
	struct integrity_chunk *c = chunk();
	if (!r || !c)
		return 0;
	struct task_struct *self = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(self, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	__u32 max = BPF_CORE_READ(fdt, max_fds);
	struct file *f = NULL;
	struct integrity_file_ops ops = {};
	if (r->address >= max) {
		c->result = -9; /* EBADF: past the table */
		c->len = 0;
		return 0;
	}
	c->result = bpf_probe_read_kernel(&f, sizeof(f), &fds[r->address & 0xffff]);
	if (c->result == 0 && f) {
		const struct file_operations *fop = BPF_CORE_READ(f, f_op);
		ops.file_ops = (__u64)fop;
		ops.iterate_shared = (__u64)BPF_CORE_READ(fop, iterate_shared);
		ops.read_iter = (__u64)BPF_CORE_READ(fop, read_iter);
		ops.inode_ops = (__u64)BPF_CORE_READ(f, f_inode, i_fop);
	} else if (c->result == 0) {
		c->result = -9; /* EBADF: no file at that descriptor */
	}
	__builtin_memcpy(c->data, &ops, sizeof(ops));
	c->len = sizeof(ops);
	return 0;
}
