/* SPDX-License-Identifier: GPL-2.0 */
/*
 * io_uring: operations that run in the kernel without their syscall, so no
 * syscall tracepoint fires for them (docs/design.md, "Follow the operation"). io_uring_complete fires
 * once per finished request, whatever thread finished it, and is not a
 * syscall tracepoint: it costs nothing to programs that do not use io_uring.
 *
 * Covered: IORING_OP_OPENAT/OPENAT2 (create_file 602, file_read/write
 * 608/609 on the opened file, exactly as for open(2)), IORING_OP_CONNECT
 * (42) and IORING_OP_ACCEPT (43), read from the socket itself, and
 * IORING_OP_SOCKET of raw and packet sockets (702), and RENAMEAT, UNLINKAT,
 * LINKAT, SYMLINKAT and MKDIRAT (paths taken at submission, below). Opens into
 * fixed-file slots are read from the ring's file table (there is no fd).
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
		struct task_struct *t = as_task(BPF_CORE_READ(req, tctx, task));
		if (t)
			return t;
	}
	return bpf_get_current_task_btf();
}

#define IORING_FILE_INDEX_ALLOC (~0U)
#define FFS_FLAGS 3UL /* low bits of io_rsrc_node.file_ptr: FFS_NOWAIT, FFS_ISREG */

/* The file an open placed in the ring's fixed-file table (no descriptor exists), or NULL. */
static __always_inline struct file *fixed_file(struct io_kiocb *req, __u32 idx)
{
	struct io_ring_ctx *ctx = BPF_CORE_READ(req, ctx);
	if (!bpf_core_field_exists(ctx->file_table.data) || idx >= BPF_CORE_READ(ctx, file_table.data.nr))
		return NULL;
	struct io_rsrc_node **nodes = BPF_CORE_READ(ctx, file_table.data.nodes), *node = NULL;
	bpf_probe_read_kernel(&node, sizeof(node), &nodes[idx]);
	if (!node)
		return NULL;
	return as_file((void *)(BPF_CORE_READ(node, file_ptr) & ~FFS_FLAGS));
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
		struct io_open *open = (void *)req; /* the request's command area */
		__u32 slot = BPF_CORE_READ(open, file_slot);
		report_opened_once(address_of(task),
				   address_of(slot ? fixed_file(req, slot == IORING_FILE_INDEX_ALLOC ? res : slot - 1) : fd_file(task, res)), res,
				   0, BPF_CORE_READ(open, how.flags));
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

/*
 * Path operations (RENAMEAT, UNLINKAT, LINKAT, SYMLINKAT, MKDIRAT): their paths are
 * released before the completion fires, so they are copied at submission
 * (io_uring_submit_req, after the request's prep took them) into a map keyed
 * by the request, and reported with the result at completion, as rename (82),
 * link (86), unlink/rmdir (605/606), watched_change (710) and mkdir (711).
 */
#define URING_PATH_MAX 256

struct uring_paths {
	__u32 op;
	__s32 dfd1, dfd2;
	__u32 flags;
	char p1[URING_PATH_MAX];
	char p2[URING_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct uring_paths);
} uring_paths SEC(".maps");

static __always_inline bool path_op(__u8 op)
{
	return op == IORING_OP_RENAMEAT || op == IORING_OP_UNLINKAT || op == IORING_OP_LINKAT || op == IORING_OP_SYMLINKAT
		|| op == IORING_OP_MKDIRAT;
}

SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(iouring__submit, struct io_kiocb *req)
{
	__u8 op = BPF_CORE_READ(req, opcode);
	if (!path_op(op) || !(wanted(T_RENAME) || wanted(T_LINK) || wanted(T_UNLINK) || wanted(T_RMDIR) || watch_kept()
			|| wanted(T_MKDIR)))
		return 0;
	struct uring_paths *v = (void *)path_area(); /* scratch: the value is too large for the stack */
	if (!v)
		return 0;
	__builtin_memset(v, 0, sizeof(*v));
	v->op = op;
	if (op == IORING_OP_UNLINKAT) {
		struct io_unlink *u = (void *)req; /* the request's command area */
		v->dfd1 = BPF_CORE_READ(u, dfd);
		v->flags = BPF_CORE_READ(u, flags);
		bpf_probe_read_kernel_str(v->p1, sizeof(v->p1), BPF_CORE_READ(u, filename, name));
	} else if (op == IORING_OP_MKDIRAT) {
		struct io_mkdir *m = (void *)req;
		v->dfd1 = BPF_CORE_READ(m, dfd);
		v->flags = BPF_CORE_READ(m, mode);
		bpf_probe_read_kernel_str(v->p1, sizeof(v->p1), BPF_CORE_READ(m, filename, name));
	} else {
		struct io_rename *r = (void *)req; /* io_link has the same layout */
		v->dfd1 = BPF_CORE_READ(r, old_dfd);
		v->dfd2 = BPF_CORE_READ(r, new_dfd);
		bpf_probe_read_kernel_str(v->p1, sizeof(v->p1), BPF_CORE_READ(r, oldpath, name));
		bpf_probe_read_kernel_str(v->p2, sizeof(v->p2), BPF_CORE_READ(r, newpath, name));
	}
	__u64 key = (__u64)req;
	bpf_map_update_elem(&uring_paths, &key, v, BPF_ANY);
	return 0;
}

SEC("tracepoint/io_uring/io_uring_complete")
int iouring__complete_paths(struct trace_event_raw_io_uring_complete *ctx)
{
	__u64 key = (__u64)ctx->req;
	struct uring_paths *v = bpf_map_lookup_elem(&uring_paths, &key);
	if (!v)
		return 0;
	struct io_kiocb *req = ctx->req;
	struct task_struct *task = req_task(req);
	long res = ctx->res;
	__u32 op = v->op, type = op == IORING_OP_RENAMEAT ? T_RENAME : op == IORING_OP_MKDIRAT ? T_MKDIR
		: (op == IORING_OP_UNLINKAT ? ((v->flags & AT_REMOVEDIR) ? T_RMDIR : T_UNLINK) : T_LINK);
	struct file_event *e = file_record(task, type, res);
	if (!e)
		goto out;
	e->hdr.flags = VIA_IO_URING;
	__u32 pos = sizeof(*e);
	if (op == IORING_OP_SYMLINKAT)
		pos = put_str(e, pos, &e->path, v->p1, URING_PATH_MAX, false, type); /* the link's target, as given */
	else
		pos = put_path_at(e, pos, &e->path, v->dfd1, v->p1, false, type);
	if (op != IORING_OP_UNLINKAT && op != IORING_OP_MKDIRAT)
		pos = put_path_at(e, pos, &e->path2, v->dfd2, v->p2, false, type);
	if (op == IORING_OP_MKDIRAT) {
		e->mode = v->flags;
		fill_tree(&e->tree, task);
	}
	if (op == IORING_OP_SYMLINKAT)
		e->flags = 1; /* a symbolic link, as link__enter_symlink marks it */
	if (op == IORING_OP_UNLINKAT && res == 0 && wanted(T_WATCHED_CHANGE) && path_watched(e, &e->path)) {
		e->hdr.type = T_WATCHED_CHANGE;
		e->flags = type == T_RMDIR ? WATCHED_RMDIR : WATCHED_UNLINK;
		fill_tree(&e->tree, task);
		emit(e, pos);
		e->hdr.type = type;
		e->flags = v->flags;
	}
	if ((op == IORING_OP_RENAMEAT || op == IORING_OP_LINKAT) && res == 0)
		report_watched_name(address_of(task), pos, op == IORING_OP_RENAMEAT ? WATCHED_RENAME : WATCHED_LINK);
	if (wanted(type))
		emit(e, pos);
out:
	bpf_map_delete_elem(&uring_paths, &key);
	return 0;
}
