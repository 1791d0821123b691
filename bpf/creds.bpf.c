/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 604 update_cred: a non-root uid that takes root through the set*uid family.
 * The set-uid exec route is reported by process.bpf.c at sched_process_exec.
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
	fill_cred(&c, (void *)bpf_get_current_task());
	struct syscall_args *a = save_args(T_UPDATE_CRED, ctx, nargs);
	if (a)
		a->old_uid = c.uid;
	return 0;
}

static __always_inline int set_exit(struct trace_event_raw_sys_exit *ctx, bool returns_old)
{
	struct syscall_args a;
	if (!take_args(T_UPDATE_CRED, &a))
		return 0;
	long res = returns_old ? 0 : ctx->ret;
	if (res != 0)
		return 0;
	struct task_struct *task = (void *)bpf_get_current_task();
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
int creds__exit_setuid(struct trace_event_raw_sys_exit *ctx) { return set_exit(ctx, false); }
SEC("tracepoint/syscalls/sys_enter_setreuid")
int creds__enter_setreuid(struct trace_event_raw_sys_enter *ctx) { return set_enter(ctx, 2); }
SEC("tracepoint/syscalls/sys_exit_setreuid")
int creds__exit_setreuid(struct trace_event_raw_sys_exit *ctx) { return set_exit(ctx, false); }
SEC("tracepoint/syscalls/sys_enter_setresuid")
int creds__enter_setresuid(struct trace_event_raw_sys_enter *ctx) { return set_enter(ctx, 3); }
SEC("tracepoint/syscalls/sys_exit_setresuid")
int creds__exit_setresuid(struct trace_event_raw_sys_exit *ctx) { return set_exit(ctx, false); }
SEC("tracepoint/syscalls/sys_enter_setfsuid")
int creds__enter_setfsuid(struct trace_event_raw_sys_enter *ctx) { return set_enter(ctx, 1); }
SEC("tracepoint/syscalls/sys_exit_setfsuid")
int creds__exit_setfsuid(struct trace_event_raw_sys_exit *ctx) { return set_exit(ctx, true); }
