/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 604 update_cred: a non-root uid that takes root through the set*uid family,
 * or asks for it and is refused (res < 0). The set-uid exec route is reported
 * by process.bpf.c at sched_process_exec. Also capset (704), userfaultfd
 * (706) and BPF program loads by other processes (707); file capabilities
 * (705) are in file.bpf.c.
 *
 * There is no tracepoint on commit_creds, so the syscalls are the hook: the
 * enter side records the uid before the call, the exit side compares. A
 * kernel exploit that rewrites creds without these calls is what 611
 * (lib/creds.h) is for. setgid-family calls are not reported: they do not
 * grant root by themselves.
 */
#include "lib/creds.h"

static __always_inline int set_enter(struct trace_event_raw_sys_enter *ctx, const int nargs)
{
	if (!wanted(T_UPDATE_CRED) && !wanted(T_PRIVESC))
		return 0;
	struct cred_ids c;
	fill_cred(&c, bpf_get_current_task_btf());
	struct syscall_args *a = save_args(T_UPDATE_CRED, ctx, nargs);
	if (a)
		a->old_uid = c.uid;
	return 0;
}

/* Did the call ask for uid 0 in any position (-1 means "unchanged")? */
static __always_inline bool asks_root(struct syscall_args *a, int nargs)
{
	return (__u32)a->a[0] == 0 || (nargs > 1 && (__u32)a->a[1] == 0) || (nargs > 2 && (__u32)a->a[2] == 0);
}

static __always_inline int set_exit(struct trace_event_raw_sys_exit *ctx, bool returns_old, int nargs)
{
	struct syscall_args a;
	if (!take_args(T_UPDATE_CRED, &a))
		return 0;
	long res = returns_old ? 0 : ctx->ret;
	if (res != 0) {
		/* refused: a non-root process asked for root (a probe, or an exploit that did not work) */
		if (a.old_uid != 0 && asks_root(&a, nargs) && wanted(T_UPDATE_CRED))
			emit_update_cred(bpf_get_current_task_btf(), a.old_uid, res);
		return 0;
	}
	struct task_struct *task = bpf_get_current_task_btf();
	struct cred_ids now;
	fill_cred(&now, task);
	if (!has_root(&now))
		return 0;
	mark_cred_source(task);
	if (a.old_uid != 0 && wanted(T_UPDATE_CRED))
		emit_update_cred(task, a.old_uid, res);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_setuid")
int creds__enter_setuid(struct trace_event_raw_sys_enter *ctx) { return set_enter(ctx, 1); }
SEC("tracepoint/syscalls/sys_exit_setuid")
int creds__exit_setuid(struct trace_event_raw_sys_exit *ctx) { return set_exit(ctx, false, 1); }
SEC("tracepoint/syscalls/sys_enter_setreuid")
int creds__enter_setreuid(struct trace_event_raw_sys_enter *ctx) { return set_enter(ctx, 2); }
SEC("tracepoint/syscalls/sys_exit_setreuid")
int creds__exit_setreuid(struct trace_event_raw_sys_exit *ctx) { return set_exit(ctx, false, 2); }
SEC("tracepoint/syscalls/sys_enter_setresuid")
int creds__enter_setresuid(struct trace_event_raw_sys_enter *ctx) { return set_enter(ctx, 3); }
SEC("tracepoint/syscalls/sys_exit_setresuid")
int creds__exit_setresuid(struct trace_event_raw_sys_exit *ctx) { return set_exit(ctx, false, 3); }
SEC("tracepoint/syscalls/sys_enter_setfsuid")
int creds__enter_setfsuid(struct trace_event_raw_sys_enter *ctx) { return set_enter(ctx, 1); }
SEC("tracepoint/syscalls/sys_exit_setfsuid")
int creds__exit_setfsuid(struct trace_event_raw_sys_exit *ctx) { return set_exit(ctx, true, 1); }

/* 704 capset: the sets asked for, and the target (0: the caller). */
SEC("tracepoint/syscalls/sys_enter_capset")
int capset__enter(struct trace_event_raw_sys_enter *ctx) { return args_enter(ctx, T_CAPSET, 2); }

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
SEC("tracepoint/syscalls/sys_enter_userfaultfd")
int userfaultfd__enter(struct trace_event_raw_sys_enter *ctx) { return args_enter(ctx, T_USERFAULTFD, 1); }

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

SEC("tracepoint/syscalls/sys_enter_bpf")
int bpfload__enter(struct trace_event_raw_sys_enter *ctx)
{
	if (ctx->args[0] == BPF_PROG_LOAD_CMD && wanted(T_BPF_LOAD))
		save_args(T_BPF_LOAD, ctx, 3);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_bpf")
int bpfload__exit(struct trace_event_raw_sys_exit *ctx)
{
	struct syscall_args a;
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
