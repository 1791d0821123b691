/* SPDX-License-Identifier: GPL-2.0 */
/*
 * io_uring: operations that run in the kernel without their syscall, so no
 * syscall tracepoint fires for them (DESIGN.md §5). io_uring_complete fires
 * once per finished request, whatever thread finished it, and is not a
 * syscall tracepoint: it costs nothing to programs that do not use io_uring.
 *
 * Covered: IORING_OP_OPENAT/OPENAT2 (create_file 602, file_read/write
 * 608/609 on the opened file, exactly as for open(2)), IORING_OP_CONNECT
 * (42) and IORING_OP_ACCEPT (43), read from the socket itself, and
 * IORING_OP_SOCKET of raw and packet sockets (702). Not covered yet: opens
 * into fixed-file slots (no fd to look at), RENAMEAT, UNLINKAT, LINKAT,
 * SYMLINKAT (their paths are released before the completion fires).
 */
#include "lib/common.h"

#define IORING_OP_ACCEPT 13
#define IORING_OP_CONNECT 16
#define IORING_OP_OPENAT 18
#define IORING_OP_OPENAT2 28
#define IORING_OP_SOCKET 45
#define EINPROGRESS 115

static __always_inline struct task_struct *req_task(struct io_kiocb *req)
{
	if (bpf_core_field_exists(req->tctx)) {
		struct task_struct *t = BPF_CORE_READ(req, tctx, task);
		if (t)
			return t;
	}
	return (void *)bpf_get_current_task();
}

SEC("tracepoint/io_uring/io_uring_complete")
int iouring__complete(struct trace_event_raw_io_uring_complete *ctx)
{
	struct io_kiocb *req = ctx->req;
	int res = ctx->res;
	__u8 op = BPF_CORE_READ(req, opcode);
	struct task_struct *task = req_task(req);
	struct vigil_config *c = cfg();
	if (!c || c->agent_tgid == BPF_CORE_READ(task, tgid))
		return 0;
	if ((op == IORING_OP_OPENAT || op == IORING_OP_OPENAT2) && res >= 0) {
		report_opened(task, fd_file(task, res), res);
	} else if (op == IORING_OP_CONNECT && (res == 0 || res == -EINPROGRESS) && wanted(T_CONNECT)) {
		emit_net(task, T_CONNECT, file_sock(BPF_CORE_READ(req, file)), res, -1, VIA_IO_URING);
	} else if (op == IORING_OP_ACCEPT && res >= 0 && wanted(T_ACCEPT)) {
		emit_net(task, T_ACCEPT, file_sock(fd_file(task, res)), res, res, VIA_IO_URING);
	} else if (op == IORING_OP_SOCKET && wanted(T_RAW_SOCKET)) {
		/* the request's command area holds the socket(2) arguments until the request is freed */
		struct io_socket *sock = (void *)req;
		int domain = BPF_CORE_READ(sock, domain), type = BPF_CORE_READ(sock, type);
		if (domain == AF_PACKET || (type & 0xf) == SOCK_RAW || (type & 0xf) == SOCK_PACKET) {
			struct task_event *e = task_record(task, T_RAW_SOCKET, res);
			if (e) {
				e->arg0 = domain;
				e->arg1 = type;
				e->arg2 = BPF_CORE_READ(sock, protocol);
				e->hdr.flags = VIA_IO_URING;
				fill_tree(&e->tree, task);
				emit(e, sizeof(*e));
			}
		}
	}
	return 0;
}
