/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Another process's memory (701 process_memory): process_vm_writev and
 * process_vm_readv, and opens of /proc/PID/mem, /proc/PID/environ and
 * /proc/PID/maps (and their /proc/PID/task/TID/ twins) of a process other
 * than the opener, for reading or writing.
 *
 * The /proc route is decided at the open exit (shared with the file hooks and
 * io_uring OPENAT) from the procfs inode: its struct pid gives the target
 * task, whatever path, link or bind mount led there; nothing is matched on a
 * path string. The target's start time comes from that task. process_vm_*
 * only name a pid: the exit side reports it with the result, and userspace
 * adds the target's start time and exe from its process cache. ptrace is the
 * third route (101). The same decisions give the agent's tamper evidence
 * (tamper.bpf.c) when the target is the agent. A caller's process_vm calls on
 * one target past memory_repeats in a window are counted, not sent (see
 * memory_folded()). Not covered: 32-bit syscalls.
 */
#include "lib/common.h"

#define PROC_SUPER_MAGIC 0x9fa0

/* The procfs inode around an open file's inode, or NULL when the file is not on procfs. */
static __always_inline struct proc_inode *proc_inode_of(struct file *f)
{
	struct inode *inode = BPF_CORE_READ(f, f_inode);
	if (BPF_CORE_READ(inode, i_sb, s_magic) != PROC_SUPER_MAGIC)
		return NULL;
	return (void *)((char *)inode - bpf_core_field_offset(struct proc_inode, vfs_inode));
}

/* The thread group behind a procfs inode (proc_inode.pid's task), or NULL for files with no task. */
static __always_inline struct task_struct *proc_inode_task(struct proc_inode *pi)
{
	struct pid *pid = BPF_CORE_READ(pi, pid);
	if (!pid)
		return NULL;
	struct hlist_node *first = BPF_CORE_READ(pid, tasks[PIDTYPE_PID].first);
	if (!first)
		return NULL;
	return (void *)((char *)first - bpf_core_field_offset(struct task_struct, pid_links));
}

#define PROC_MEM 1
#define PROC_MAPS 2
#define PROC_ENVIRON 3

/* Which of "mem", "maps", "environ" (the files that read or change a process's memory or secrets) `f` is; 0 for others. */
static __always_inline int memory_file(struct file *f)
{
	char n[8] = {};
	bpf_probe_read_kernel(n, sizeof(n), BPF_CORE_READ(f, f_path.dentry, d_name.name));
	if (n[0] == 'm' && n[1] == 'e' && n[2] == 'm' && n[3] == 0)
		return PROC_MEM;
	if (n[0] == 'm' && n[1] == 'a' && n[2] == 'p' && n[3] == 's' && n[4] == 0)
		return PROC_MAPS;
	if (n[0] == 'e' && n[1] == 'n' && n[2] == 'v' && n[3] == 'i' && n[4] == 'r' && n[5] == 'o' && n[6] == 'n' && n[7] == 0)
		return PROC_ENVIRON;
	return 0;
}

static __always_inline struct task_event *memory_record(struct task_struct *task, long res, __u32 access, __u32 target, __u64 start)
{
	struct task_event *e = task_record(task, T_PROCESS_MEMORY, res);
	if (!e)
		return NULL;
	e->arg0 = access;
	e->arg1 = target;
	e->arg2 = start;
	fill_tree(&e->tree, task);
	return e;
}

/* A procfs file of a process opened (pi: its procfs inode): 701 for another process's memory files, 700 for the agent's mem opened to write. */
static __always_inline void report_proc_memory(struct task_struct *task, struct file *f, struct proc_inode *pi, __u64 flags, long fd, bool write)
{
	struct task_struct *target = proc_inode_task(pi);
	int kind = target ? memory_file(f) : 0;
	if (!kind)
		return;
	__u32 tgid = BPF_CORE_READ(target, tgid);
	if (kind == PROC_MEM && write)
		tamper_check(TAMPER_PROC_MEM, tgid, flags, f);
	if (tgid == BPF_CORE_READ(task, tgid) || !wanted(T_PROCESS_MEMORY))
		return;
	struct task_event *e = memory_record(task, fd, MEMORY_PROC_OPEN, tgid, BPF_CORE_READ(target, group_leader, start_boottime));
	if (!e)
		return;
	e->arg3 = flags;
	__u32 pos = put_file_path(e, sizeof(*e), &e->text, f, T_PROCESS_MEMORY);
	emit(e, pos);
}

/* One caller's process_vm calls on one target, of one access, in the current window. */
struct memory_fold_key {
	__u32 tgid;
	__u32 target;
	__u32 access;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct memory_fold_key);
	__type(value, struct repeat_window);
} memory_folds SEC(".maps");

/*
 * A tracer (strace, gdb) reads its tracee's memory with process_vm_readv at every system call it
 * decodes: thousands of calls a second on one target, each an event and a stored row. Past
 * memory_repeats in a window they are counted (L_FOLDED), not sent; the first ones of every caller,
 * target and access always arrive, and with them what a rule or the tamper check needs.
 */
static __always_inline bool memory_folded(__u32 target, __u32 access)
{
	struct vigil_config *c = cfg();
	if (!c || !c->memory_repeats)
		return false;
	struct memory_fold_key k = {.tgid = bpf_get_current_pid_tgid() >> 32, .target = target, .access = access};
	return repeat_folded(&memory_folds, &k, c->memory_repeats, c->connect_window_ns, T_PROCESS_MEMORY);
}

/* process_vm_writev/readv, at exit (the cookie says which): the target pid is the first argument. */
#define VM_WRITE_COOKIE 1 /* tags need literal numbers: enum vigil_memory_access's values */
#define VM_READ_COOKIE 2
_Static_assert(VM_WRITE_COOKIE == MEMORY_VM_WRITE && VM_READ_COOKIE == MEMORY_VM_READ, "cookies are the access kinds");
SEC("tracepoint/syscalls/sys_exit_process_vm_writev")
ATTACH_WITH(memory__exit_vm_writev, "syscalls/sys_exit_process_vm_writev", VM_WRITE_COOKIE)
ATTACH_WITH(memory__exit_vm_readv, "syscalls/sys_exit_process_vm_readv", VM_READ_COOKIE)
int memory__exit_vm(struct trace_event_raw_sys_exit *ctx)
{
	__u32 access = bpf_get_attach_cookie(ctx);
	struct syscall_args a;
	call_args(&a);
	__u32 target = a.a[0];
	if (access == MEMORY_VM_WRITE)
		tamper_check(TAMPER_VM_WRITE, target, 0, NULL);
	if (!wanted(T_PROCESS_MEMORY) || target == (__u32)(bpf_get_current_pid_tgid() >> 32) || memory_folded(target, access))
		return 0;
	struct task_event *e = memory_record(bpf_get_current_task_btf(), ctx->ret, access, target, 0);
	if (e)
		emit(e, sizeof(*e));
	return 0;
}
