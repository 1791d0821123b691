/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memfd_create (356): an anonymous file in memory, the usual first step of
 * fileless execution (its exec is seen at sched_process_exec, with the
 * /memfd: name as exe). Exit only, arguments from the saved registers.
 * Not covered: 32-bit syscalls.
 */
#include "lib/common.h"

SEC("tracepoint/syscalls/sys_exit_memfd_create")
int memfd__exit(struct trace_event_raw_sys_exit *ctx)
{
	if (!wanted(T_MEMFD_CREATE))
		return 0;
	long ret = ctx->ret;
	struct syscall_args a;
	call_args(&a); /* name, flags */
	struct file_event *e = file_record(bpf_get_current_task_btf(), T_MEMFD_CREATE, ret);
	if (!e)
		return 0;
	e->fd = ret;
	e->flags = a.a[1];
	__u32 pos = put_str(e, sizeof(*e), &e->path, (void *)a.a[0], 256, true, T_MEMFD_CREATE);
	emit(e, pos);
	return 0;
}
