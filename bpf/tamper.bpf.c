/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tamper evidence (700 agent_tamper): another process acting on the agent.
 * Decided here, for the agent's own tgid (vigil_config.agent_tgid), whatever
 * hooks are switched on, so that stopping or patching the agent always says who.
 * The same signal program reports 713 guarded_signal: a signal that stops,
 * suspends or ends a process whose name is in guarded_names (the security and
 * logging agents the sensor names), so that no per-syscall kill hook is needed.
 *
 * - Signals: tp_btf/signal_generate, on the kernel's common path for every
 *   sender (kill, tkill, tgkill, rt_sigqueueinfo, pidfd_send_signal, and the
 *   SIGSTOP that PTRACE_ATTACH sends): cheap, not a syscall tracepoint, and
 *   filtered to the agent at once. It fires before delivery, so even a SIGKILL
 *   leaves its record. Not reported: signals the agent raises itself and
 *   SIGCHLD from its own children.
 * - ptrace: sys_exit_ptrace (shared with the ptrace hook) when the target is
 *   the agent's tgid. PTRACE_SEIZE of another agent thread is seen only by the
 *   ptrace hook's own event.
 * - /proc/PID/mem opened for writing and process_vm_writev: decided where
 *   memory.bpf.c decides process_memory (the procfs inode's struct pid at the
 *   open exit, io_uring OPENAT included; the pid argument of the syscall),
 *   which calls tamper_check; a thread id of the agent given to
 *   process_vm_writev is not covered.
 */
#include "lib/common.h"

#define SIGCHLD 17
#define SI_USER 0
#define SEND_SIG_PRIV ((struct kernel_siginfo *)1)

/* Names (comm, NUL-padded) of processes whose stopping is reported as guarded_signal; written by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, char[VIGIL_COMM_LEN]);
	__type(value, __u8);
} guarded_names SEC(".maps");

/* Signals that end, stop or abort a process (not HUP or USR1/2, which daemons take as "reload" or "rotate"). */
static __always_inline bool stopping_signal(int sig)
{
	return sig == 2 || sig == 3 || sig == 6 || sig == 9 || sig == 15 || sig == 19 || sig == 20;
}

/* A signal some process sent (kill, tkill, tgkill, sigqueue, pidfd: si_code SI_USER or below), not one the kernel raised. */
static __always_inline bool sent_by_a_process(struct kernel_siginfo *info)
{
	if (!info || info == SEND_SIG_PRIV)
		return !info; /* SEND_SIG_NOINFO (NULL) is a user's signal with no details */
	return BPF_CORE_READ(info, si_code) <= SI_USER;
}

static __always_inline void guarded_check(int sig, struct kernel_siginfo *info, struct task_struct *task, int group)
{
	if (!stopping_signal(sig) || !wanted(T_GUARDED_SIGNAL))
		return;
	char name[VIGIL_COMM_LEN] = {};
	bpf_probe_read_kernel_str(name, sizeof(name), task->comm);
	if (!bpf_map_lookup_elem(&guarded_names, name))
		return;
	struct task_struct *me = bpf_get_current_task_btf();
	if (BPF_CORE_READ(me, tgid) == BPF_CORE_READ(task, tgid) || !sent_by_a_process(info))
		return;
	struct task_event *e = task_record(me, T_GUARDED_SIGNAL, 0);
	if (!e)
		return;
	e->arg0 = sig;
	e->arg1 = BPF_CORE_READ(task, tgid);
	e->arg2 = BPF_CORE_READ(task, group_leader, start_boottime);
	e->arg3 = group;
	fill_tree(&e->tree, me);
	emit(e, sizeof(*e));
}

/*
 * The latest tamper record, pinned in bpffs by the agent so that it outlives
 * the agent: a SIGKILL ends the agent before it can read its ring buffer, and
 * the next start reports what this map still holds. A clean stop clears it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct task_event);
} tamper_log SEC(".maps");

static __always_inline __u32 agent_tgid(void)
{
	struct vigil_config *c = cfg();
	return c ? c->agent_tgid : 0;
}

static __always_inline void tamper_emit(__u32 action, long arg1, long arg2, long arg3, struct file *f)
{
	struct task_struct *me = bpf_get_current_task_btf();
	struct task_event *e = task_record(me, T_AGENT_TAMPER, 0);
	if (!e)
		return;
	e->arg0 = action;
	e->arg1 = arg1;
	e->arg2 = arg2;
	e->arg3 = arg3;
	fill_tree(&e->tree, me);
	__u32 zero = 0;
	bpf_map_update_elem(&tamper_log, &zero, e, BPF_ANY); /* the fixed part: no path yet */
	__u32 pos = f ? put_file_path(e, sizeof(*e), &e->text, f, T_AGENT_TAMPER) : sizeof(*e);
	emit(e, pos);
}

SEC("tp_btf/signal_generate")
int BPF_PROG(tamper__signal, int sig, struct kernel_siginfo *info, struct task_struct *task, int group, int result)
{
	__u32 agent = agent_tgid();
	if (!agent || BPF_CORE_READ(task, tgid) != agent) {
		guarded_check(sig, info, task, group);
		return 0;
	}
	if (!wanted(T_AGENT_TAMPER))
		return 0;
	struct task_struct *me = bpf_get_current_task_btf();
	/* the agent's children report their exit to it: not an act against it */
	if (sig == SIGCHLD && BPF_CORE_READ(me, real_parent, tgid) == agent)
		return 0;
	tamper_emit(TAMPER_SIGNAL, sig, BPF_CORE_READ(task, pid), group, NULL);
	return 0;
}

/* Another process acted on `target` (a tgid): tamper evidence when that is the agent. */
static __always_inline void tamper_check(__u32 action, __u32 target, long arg1, struct file *f)
{
	__u32 agent = agent_tgid();
	if (agent && target == agent && wanted(T_AGENT_TAMPER))
		tamper_emit(action, arg1, target, 0, f);
}
