/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tasks and signals: ptrace (101), prctl PR_SET_NAME (157), setsid (112),
 * kill/tkill/tgkill (62/200/201), exit_group (231), nanosleep (35),
 * mprotect with PROT_EXEC (10).
 *
 * Per-syscall tracepoints: none of these has a non-syscall tracepoint on its
 * common path (signal_generate fires for kernel-sent signals too and would
 * flood; tamper.bpf.c uses it for signals to the agent only). Exit tracepoints,
 * with the arguments from the saved registers, except for the two sandbox
 * hooks that report a call as it starts (exit_group never returns; a sleep is
 * reported when asked for, not when over). Another process's memory written
 * through process_vm_writev or /proc/PID/mem is process_memory (701,
 * memory.bpf.c). Not covered: 32-bit int 0x80 calls.
 */
#include "lib/common.h"

#define PR_SET_NAME 15
/* Hook numbers as attach cookies (tags need literal numbers): enum vigil_type's values. */
#define T_PTRACE_NUMBER 101
#define T_KILL_NUMBER 62
#define T_TKILL_NUMBER 200
#define T_TGKILL_NUMBER 201
_Static_assert(T_PTRACE_NUMBER == T_PTRACE && T_KILL_NUMBER == T_KILL && T_TKILL_NUMBER == T_TKILL && T_TGKILL_NUMBER == T_TGKILL,
	       "cookies are the hook numbers");
#define PROT_EXEC 4

/* Signals and ptrace, at exit with the result; the cookie is the hook's type. */
SEC("tracepoint/syscalls/sys_exit_ptrace")
ATTACH_WITH(ptrace__exit, "syscalls/sys_exit_ptrace", T_PTRACE_NUMBER)
ATTACH_WITH(kill__exit, "syscalls/sys_exit_kill", T_KILL_NUMBER)
ATTACH_WITH(tkill__exit, "syscalls/sys_exit_tkill", T_TKILL_NUMBER)
ATTACH_WITH(tgkill__exit, "syscalls/sys_exit_tgkill", T_TGKILL_NUMBER)
int signals__exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 type = bpf_get_attach_cookie(ctx);
	long ret = ctx->ret;
	struct syscall_args a;
	call_args(&a);
	if (type == T_PTRACE) {
		long req = a.a[0];
		tamper_check(TAMPER_PTRACE, a.a[1], req, NULL);
		/* TRACEME, POKETEXT, POKEDATA, POKEUSER, SETREGS, ATTACH, SEIZE */
		if (req != 0 && req != 4 && req != 5 && req != 6 && req != 13 && req != 16 && req != 0x4206)
			return 0;
	}
	if (!wanted(type))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_event *e = task_record(task, type, ret);
	if (!e)
		return 0;
	if (type == T_TGKILL) {
		e->arg0 = (int)a.a[0];
		e->arg2 = (int)a.a[1];
		e->arg1 = (int)a.a[2];
	} else if (type == T_PTRACE) {
		e->arg0 = a.a[0];
		e->arg1 = (int)a.a[1];
		e->arg2 = a.a[2];
		e->arg3 = a.a[3];
		fill_tree(&e->tree, task);
	} else {
		e->arg0 = (int)a.a[0];
		e->arg1 = (int)a.a[1];
	}
	emit(e, sizeof(*e));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_setsid")
int setsid__exit(struct trace_event_raw_sys_exit *ctx)
{
	long ret = ctx->ret;
	if (!wanted(T_SETSID))
		return 0;
	struct task_event *e = task_record(bpf_get_current_task_btf(), T_SETSID, ret);
	if (e)
		emit(e, sizeof(*e));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_prctl")
int prctl__exit(struct trace_event_raw_sys_exit *ctx)
{
	struct syscall_args a;
	call_args(&a);
	long option = a.a[0];
	const char *name = (void *)a.a[1];
	if (option != PR_SET_NAME || !wanted(T_PRCTL))
		return 0;
	struct task_event *e = task_record(bpf_get_current_task_btf(), T_PRCTL, ctx->ret);
	if (!e)
		return 0;
	e->arg0 = option;
	__u32 pos = put_str(e, sizeof(*e), &e->text, name, VIGIL_COMM_LEN + 1, true, T_PRCTL);
	emit(e, pos);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_exit_group")
int exitgroup__enter(struct trace_event_raw_sys_enter *ctx)
{
	long code = ctx->args[0];
	if (!wanted(T_EXIT_GROUP))
		return 0;
	struct task_event *e = task_record(bpf_get_current_task_btf(), T_EXIT_GROUP, 0);
	if (!e)
		return 0;
	e->arg0 = code;
	emit(e, sizeof(*e));
	return 0;
}

static __always_inline int sleep_enter(const void *rqtp)
{
	if (!wanted(T_NANOSLEEP))
		return 0;
	struct __kernel_timespec ts = {};
	bpf_probe_read_user(&ts, sizeof(ts), rqtp);
	struct task_event *e = task_record(bpf_get_current_task_btf(), T_NANOSLEEP, 0);
	if (!e)
		return 0;
	e->arg0 = ts.tv_sec;
	e->arg1 = ts.tv_nsec;
	emit(e, sizeof(*e));
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_nanosleep")
int sleep__enter_nanosleep(struct trace_event_raw_sys_enter *ctx) { return sleep_enter((void *)ctx->args[0]); }
SEC("tracepoint/syscalls/sys_enter_clock_nanosleep")
int sleep__enter_clock_nanosleep(struct trace_event_raw_sys_enter *ctx) { return sleep_enter((void *)ctx->args[2]); }

struct vma_lookup {
	struct file *file;
};

static long vma_file(struct task_struct *task, struct vm_area_struct *vma, struct vma_lookup *out)
{
	out->file = BPF_CORE_READ(vma, vm_file);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mprotect")
int mprotect__exit(struct trace_event_raw_sys_exit *ctx)
{
	struct syscall_args a;
	call_args(&a);
	unsigned long start = a.a[0], len = a.a[1], prot = a.a[2];
	if (!(prot & PROT_EXEC) || !wanted(T_MPROTECT))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct vma_lookup found = {};
	bpf_find_vma(bpf_get_current_task_btf(), start, vma_file, &found, 0);
	struct task_event *e = task_record(task, T_MPROTECT, ctx->ret);
	if (!e)
		return 0;
	e->arg0 = prot;
	e->arg1 = start;
	e->arg2 = len;
	e->arg3 = BPF_CORE_READ(task, tgid);
	fill_tree(&e->tree, task);
	__u32 pos = put_file_path(e, sizeof(*e), &e->text, found.file, T_MPROTECT);
	emit(e, pos);
	return 0;
}
