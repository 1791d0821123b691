/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 604 update_cred: a non-root uid that takes root through the set*uid family,
 * or asks for it and is refused (res < 0). The set-uid exec route is reported
 * by process.bpf.c at sched_process_exec. Also capset (704), userfaultfd
 * (706) and BPF program loads by other processes (707); file capabilities
 * (705) are in file.bpf.c.
 *
 * There is no tracepoint on commit_creds, so the syscalls are the hook, at
 * their exit only: the uid before the call is the one last seen for the
 * process (at its exec or its last set*uid call, lib/creds.h), and the
 * arguments come from the saved registers. A kernel exploit that rewrites
 * creds without these calls is what 611 (lib/creds.h) is for. setgid-family calls are not reported: they do not
 * grant root by themselves.
 */
#include "lib/creds.h"

/* Did the call ask for uid 0 in any position (-1 means "unchanged")? */
static __always_inline bool asks_root(struct syscall_args *a, int nargs)
{
	return (__u32)a->a[0] == 0 || (nargs > 1 && (__u32)a->a[1] == 0) || (nargs > 2 && (__u32)a->a[2] == 0);
}

/* The cookie: how many uids the call takes; 8 marks setfsuid, which returns the old fsuid rather than an error. */
#define SET_RETURNS_OLD 8

SEC("tracepoint/syscalls/sys_exit_setuid")
ATTACH_WITH(creds__exit_setuid, "syscalls/sys_exit_setuid", 1)
ATTACH_WITH(creds__exit_setreuid, "syscalls/sys_exit_setreuid", 2)
ATTACH_WITH(creds__exit_setresuid, "syscalls/sys_exit_setresuid", 3)
ATTACH_WITH(creds__exit_setfsuid, "syscalls/sys_exit_setfsuid", 9)
int creds__exit(struct trace_event_raw_sys_exit *ctx)
{
	if (!wanted(T_UPDATE_CRED) && !wanted(T_PRIVILEGE_ESCALATION))
		return 0;
	__u64 how = bpf_get_attach_cookie(ctx);
	int nargs = how & 7;
	struct syscall_args a;
	call_args(&a);
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 old_uid = uid_before(task);
	long res = (how & SET_RETURNS_OLD) ? 0 : ctx->ret;
	if (res != 0) {
		/* refused: a non-root process asked for root (a probe, or an exploit that did not work) */
		if (old_uid != 0 && asks_root(&a, nargs) && wanted(T_UPDATE_CRED))
			emit_update_cred(task, old_uid, res);
		return 0;
	}
	struct cred_ids now;
	fill_cred(&now, task);
	note_uid(task, now.uid);
	if (!has_root(&now))
		return 0;
	mark_cred_source(task);
	if (old_uid != 0 && wanted(T_UPDATE_CRED))
		emit_update_cred(task, old_uid, res);
	return 0;
}

/* 704 capset: the sets asked for, and the target (0: the caller). */
SEC("tracepoint/syscalls/sys_exit_capset")
int capset__exit(struct trace_event_raw_sys_exit *ctx)
{
	struct syscall_args a;
	struct task_event *e = args_record(ctx, T_CAPSET, &a);
	if (!e)
		return 0;
	struct { __u32 version; __s32 pid; } hdr = {};
	struct { __u32 effective, permitted, inheritable; } data[2] = {};
	bpf_probe_read_user(&hdr, sizeof(hdr), (void *)a.a[0]);
	bpf_probe_read_user(&data, sizeof(data), (void *)a.a[1]);
	e->arg0 = hdr.pid;
	e->arg1 = data[0].effective | ((__u64)data[1].effective << 32);
	e->arg2 = data[0].permitted | ((__u64)data[1].permitted << 32);
	e->arg3 = data[0].inheritable | ((__u64)data[1].inheritable << 32);
	emit(e, sizeof(*e));
	return 0;
}

/* 706 userfaultfd: a tool of kernel exploits (it freezes a kernel copy at a page fault). */
SEC("tracepoint/syscalls/sys_exit_userfaultfd")
int userfaultfd__exit(struct trace_event_raw_sys_exit *ctx)
{
	struct syscall_args a;
	struct task_event *e = args_record(ctx, T_USERFAULTFD, &a); /* arg0: the flags */
	if (e)
		emit(e, sizeof(*e));
	return 0;
}

/* 707 bpf_load: BPF_PROG_LOAD by anyone but the agent; the type and name from the caller's bpf_attr (UAPI offsets). */
#define BPF_PROG_LOAD_CMD 5
#define BPF_ATTR_PROG_NAME 48

SEC("tracepoint/syscalls/sys_exit_bpf")
int bpfload__exit(struct trace_event_raw_sys_exit *ctx)
{
	struct syscall_args a;
	call_args(&a);
	if (a.a[0] != BPF_PROG_LOAD_CMD)
		return 0;
	struct task_event *e = args_record(ctx, T_BPF_LOAD, &a);
	if (!e)
		return 0;
	__u32 type = 0;
	bpf_probe_read_user(&type, sizeof(type), (void *)a.a[1]);
	e->arg0 = type;
	e->arg1 = e->arg2 = 0;
	__u32 pos = put_str(e, sizeof(*e), &e->text, (void *)(a.a[1] + BPF_ATTR_PROG_NAME), 16, true, T_BPF_LOAD);
	emit(e, pos);
	return 0;
}
