/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network: connect (42), accept (43), bind (49), DNS queries and replies (601), port scans
 * (612), raw and packet sockets (702), listen (703), a socket made standard input or output (712).
 *
 * connect/bind/accept: per-syscall exit tracepoints, the arguments from the
 * saved registers; the exit side reads the socket
 * itself for the local end, so what is reported is what the kernel did, not
 * what the caller's memory says afterwards (bind to port 0 reports the port
 * the kernel chose). Only inet sockets are reported. listen reads the bound
 * address from the socket. raw_socket: socket(2) with AF_PACKET, SOCK_RAW or
 * SOCK_PACKET. io_uring's CONNECT, ACCEPT and SOCKET, which fire no syscall
 * tracepoint, are covered in iouring.bpf.c. Not covered: 32-bit socketcall().
 * A failed connect repeated within a window is folded (counted, not sent: see
 * folded()): the bench's 20,000 refused connects to 100 ports send 800 events,
 * ~40 ms of the agent's CPU (docs/benchmarks.md).
 *
 * Port scans: tcp_send_reset fires when a SYN reaches a closed port (no
 * socket), inet_sock_set_state SYN_RECV->ESTABLISHED when a handshake to an
 * open port completes. Neither is a syscall tracepoint. A half-open SYN to an
 * open port is not seen. Probes from this host's own connect(2) calls (over a
 * loopback device, or from and to one address) are left to the connect hook,
 * which names the process (the stock pack's "Outbound port scan"): a refused
 * loopback connect then costs the scan programs a few loads, not a map update.
 */
#include "lib/common.h"

#define IPPROTO_UDP 17
#define EINPROGRESS 115

/* A failed connect's identity for folding: the same process, destination, port and error. */
struct connect_fold_key {
	__u32 tgid;
	__s32 res;
	__u16 dport;
	__u16 family;
	__u8 dip[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct connect_fold_key);
	__type(value, struct repeat_window);
} connect_folds SEC(".maps");

/*
 * A failed connect repeated past connect_repeats in a window is counted (L_FOLDED), not sent:
 * a retry loop or a connect flood against a closed port then costs the agent a few events,
 * not one each. Successes and connects in progress are always sent, and so is the first
 * attempt at every port: a scan's distinct ports and a brute force's connections all arrive.
 */
static __always_inline bool folded(long res, const struct inet_pair *to)
{
	struct vigil_config *c = cfg();
	if (!c || !c->connect_repeats || res >= 0 || res == -EINPROGRESS)
		return false;
	struct connect_fold_key k = {.tgid = bpf_get_current_pid_tgid() >> 32, .res = (__s32)res, .dport = to->dport, .family = to->family};
	__builtin_memcpy(k.dip, to->dip, 16);
	return repeat_folded(&connect_folds, &k, c->connect_repeats, c->connect_window_ns, T_CONNECT);
}
#define AF_PACKET 17
#define TCP_ESTABLISHED 1
#define TCP_SYN_RECV 3

static __always_inline int net_exit(struct trace_event_raw_sys_exit *ctx, __u32 type)
{
	if (!wanted(type))
		return 0;
	struct syscall_args a;
	call_args(&a); /* fd, sockaddr */
	struct net_event *e = record_area();
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	if (!user_sockaddr((void *)a.a[1], &e->addr, type == T_BIND))
		return 0;
	if (type == T_CONNECT && folded(ctx->ret, &e->addr))
		return 0; /* before the socket is read: a folded connect costs a look-up */
	struct task_struct *task = bpf_get_current_task_btf();
	struct inet_pair local = {};
	bool inet = sock_pair(file_sock(fd_file(task, (int)a.a[0])), &local);
	if (type == T_CONNECT || (type == T_BIND && inet && ctx->ret == 0)) {
		/* the local end as the kernel set it: for bind to port 0, the port it chose */
		__builtin_memcpy(e->addr.sip, local.sip, 16);
		e->addr.sport = local.sport;
	}
	e->addr.protocol = inet ? local.protocol : 0;
	fill_header(&e->hdr, task, type, sizeof(*e));
	e->hdr.res = ctx->ret;
	e->fd = a.a[0];
	emit(e, sizeof(*e));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int connect__exit(struct trace_event_raw_sys_exit *ctx) { return net_exit(ctx, T_CONNECT); }

SEC("tracepoint/syscalls/sys_exit_bind")
int bind__exit(struct trace_event_raw_sys_exit *ctx) { return net_exit(ctx, T_BIND); }

#define VIA_IO_URING 1 /* event_header.flags: the operation came through io_uring */

/* A net_event for the inet socket `sk` (nothing for other families), both ends read from the socket. */
static __always_inline void emit_net(struct task_struct *task, __u32 type, struct sock *sk, long res, int fd, __u32 flags)
{
	struct net_event *e = record_area();
	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	if (!sock_pair(sk, &e->addr))
		return;
	fill_header(&e->hdr, task, type, sizeof(*e));
	e->hdr.res = res;
	e->hdr.flags = flags;
	e->fd = fd;
	emit(e, sizeof(*e));
}

/* 703 listen: the address a socket now accepts connections on, read from the socket (bind shells). */
SEC("tracepoint/syscalls/sys_exit_listen")
int listen__exit(struct trace_event_raw_sys_exit *ctx)
{
	if (!wanted(T_LISTEN))
		return 0;
	struct syscall_args a;
	call_args(&a);
	struct task_struct *task = bpf_get_current_task_btf();
	emit_net(task, T_LISTEN, file_sock(fd_file(task, (int)a.a[0])), ctx->ret, a.a[0], 0);
	return 0;
}

/* 702 raw_socket: AF_PACKET and SOCK_RAW sockets (sniffing, crafted packets), decided from the arguments. */
SEC("tracepoint/syscalls/sys_exit_socket")
int socket__exit(struct trace_event_raw_sys_exit *ctx)
{
	struct syscall_args a;
	call_args(&a);
	long family = a.a[0], type = a.a[1] & 0xf;
	if (family != AF_PACKET && type != SOCK_RAW && type != SOCK_PACKET)
		return 0;
	struct task_event *e = args_record(ctx, T_RAW_SOCKET, &a); /* family, type, protocol */
	if (e)
		emit(e, sizeof(*e));
	return 0;
}

static __always_inline int accept_exit(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret < 0 || !wanted(T_ACCEPT))
		return 0;
	struct net_event *e = record_area();
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	struct task_struct *task = bpf_get_current_task_btf();
	if (!sock_pair(file_sock(fd_file(task, ctx->ret)), &e->addr))
		return 0;
	fill_header(&e->hdr, task, T_ACCEPT, sizeof(*e));
	e->hdr.res = ctx->ret;
	e->fd = ctx->ret;
	emit(e, sizeof(*e));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept")
int accept__exit_accept(struct trace_event_raw_sys_exit *ctx) { return accept_exit(ctx); }

SEC("tracepoint/syscalls/sys_exit_accept4")
int accept__exit_accept4(struct trace_event_raw_sys_exit *ctx) { return accept_exit(ctx); }

/*
 * 712 dup: an inet socket duplicated onto fd 0, 1 or 2 (dup2(s, 0) and the like: how a reverse
 * shell written in a script wires a connection to the shell it then runs). Decided in the kernel
 * from the result: every other dup returns at once. Not covered: fcntl(F_DUPFD), which lands on
 * the lowest free fd at or above its argument, so onto 0-2 only after they were closed.
 */
static __always_inline int dup_exit(struct trace_event_raw_sys_exit *ctx)
{
	long fd = ctx->ret;
	if (fd < 0 || fd > 2 || !wanted(T_DUP))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	emit_net(task, T_DUP, file_sock(fd_file(task, fd)), fd, fd, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_dup")
int dup__exit_dup(struct trace_event_raw_sys_exit *ctx) { return dup_exit(ctx); }

SEC("tracepoint/syscalls/sys_exit_dup2")
int dup__exit_dup2(struct trace_event_raw_sys_exit *ctx) { return dup_exit(ctx); }

SEC("tracepoint/syscalls/sys_exit_dup3")
int dup__exit_dup3(struct trace_event_raw_sys_exit *ctx) { return dup_exit(ctx); }

/* A cleared dns_event with `sk`'s ends, or NULL when the scratch record is missing or `sk` is not inet. */
static __always_inline struct dns_event *dns_record(struct sock *sk)
{
	struct dns_event *e = record_area();
	if (!e)
		return NULL;
	__builtin_memset(e, 0, sizeof(*e));
	return sock_pair(sk, &e->addr) ? e : NULL;
}

/* A DNS reply of `len` bytes at the user's `buf`, received on a UDP socket whose ends are e->addr (the peer filled in); sent when it is one. */
static __always_inline void dns_reply(struct task_struct *task, struct dns_event *e, const void *buf, __u64 len)
{
	if (e->addr.dport != 53 && e->addr.dport != 5353 && e->addr.sport != 5353)
		return;
	if (len > VIGIL_DNS_MAX)
		len = VIGIL_DNS_MAX;
	__u32 pos = put_bytes(e, sizeof(*e), &e->payload, buf, len, true, T_DNS);
	__u8 *p = (__u8 *)e + (e->payload.off & (VIGIL_RECORD_MAX - 1));
	if (e->payload.len < 12 || !(p[2] & 0x80))
		return; /* not a reply */
	fill_header(&e->hdr, task, T_DNS, 0);
	emit(e, pos);
}

/*
 * DNS replies: UDP receives on port 53 or 5353, at the receive's exit; nothing
 * is parsed in the kernel, the reply's first bytes are shipped. The cookie:
 * 0 recvfrom, 1 recvmsg, 2 recvmmsg. read(2) on a connected socket (Go's
 * resolver, busybox) is dns__read's, below.
 */
SEC("tracepoint/syscalls/sys_exit_recvfrom")
ATTACH_WITH(dns__exit_recvfrom, "syscalls/sys_exit_recvfrom", 0)
ATTACH_WITH(dns__exit_recvmsg, "syscalls/sys_exit_recvmsg", 1)
ATTACH_WITH(dns__exit_recvmmsg, "syscalls/sys_exit_recvmmsg", 2)
int dns__exit(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret <= 0 || !wanted(T_DNS))
		return 0;
	struct syscall_args a;
	call_args(&a);
	struct task_struct *task = bpf_get_current_task_btf();
	struct sock *sk = file_sock(fd_file(task, (int)a.a[0]));
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_UDP)
		return 0;
	struct dns_event *e = dns_record(sk);
	if (!e)
		return 0;
	__u64 kind = bpf_get_attach_cookie(ctx);
	const void *buf = (void *)a.a[1];
	__u64 len = ctx->ret;
	if (kind == 0 && !e->addr.dport && a.a[4])
		user_sockaddr((void *)a.a[4], &e->addr, false); /* unconnected socket: the peer recvfrom wrote back */
	if (kind != 0) {
		struct user_msghdr msg = {};
		void *hdr = (void *)a.a[1]; /* recvmmsg: the first mmsghdr starts with its user_msghdr */
		struct iovec iov = {};
		if (bpf_probe_read_user(&msg, sizeof(msg), hdr) || bpf_probe_read_user(&iov, sizeof(iov), msg.msg_iov))
			return 0;
		if (kind == 2) {
			unsigned int mlen = 0;
			bpf_probe_read_user(&mlen, sizeof(mlen), hdr + sizeof(struct user_msghdr));
			len = mlen;
		}
		if (!e->addr.dport && msg.msg_name)
			user_sockaddr(msg.msg_name, &e->addr, false);
		buf = iov.iov_base;
		if (len > iov.iov_len)
			len = iov.iov_len;
	}
	dns_reply(task, e, buf, len);
	return 0;
}

/*
 * DNS replies read with read(2) from a connected UDP socket: sock_recv_length
 * fires at the end of every socket receive, whatever the route, with the socket
 * and the length; the buffer is the read's second argument. Not a syscall
 * tracepoint; anything but a UDP receive inside read(2) ends at the first tests
 * (the recv* calls are dns__exit's). Not covered: readv(2).
 */
SEC("tp_btf/sock_recv_length")
int BPF_PROG(dns__read, struct sock *sk, int ret, int flags)
{
	if (ret <= 0 || !sk || sk->sk_protocol != IPPROTO_UDP || !wanted(T_DNS))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (SYSCALL_NR(regs) != NR_READ)
		return 0;
	struct dns_event *e = dns_record(sk);
	if (e)
		dns_reply(task, e, (void *)PT_REGS_PARM2_SYSCALL(regs), ret);
	return 0;
}


/*
 * DNS queries as they leave: net_dev_queue sees every packet a local socket
 * sends, whatever call sent it (sendto, sendmsg, sendmmsg, write, io_uring),
 * answered or not. Not a syscall tracepoint: it adds nothing to
 * read/write/epoll. Only packets of a local socket (skb->sk) to port 53 are
 * kept; the sender is the current task (the send path runs in its context).
 * The payload is parsed in userspace, as replies are. Not covered: DNS over
 * TCP whose payload sits in page fragments (what tcp_sendmsg builds) rather
 * than the packet's linear part: a tracing program cannot map those pages.
 */
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_TCP 6

/*
 * The IP header at head + nh of a packet of `eth_proto` (skb->protocol): the family and both
 * addresses into p; returns the transport protocol, 0 when the packet is neither IPv4 nor IPv6
 * or its header cannot be read.
 */
static __always_inline __u8 ip_header(const unsigned char *head, __u16 nh, __be16 eth_proto, struct inet_pair *p)
{
	if (eth_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;
		if (bpf_probe_read_kernel(&ip, sizeof(ip), head + nh))
			return 0;
		p->family = AF_INET;
		__builtin_memcpy(p->sip, &ip.saddr, 4);
		__builtin_memcpy(p->dip, &ip.daddr, 4);
		return ip.protocol;
	}
	if (eth_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;
		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), head + nh))
			return 0;
		p->family = AF_INET6;
		__builtin_memcpy(p->sip, &ip6.saddr, 16);
		__builtin_memcpy(p->dip, &ip6.daddr, 16);
		return ip6.nexthdr;
	}
	return 0;
}

/*
 * A packet of a TCP connection to a port other than 53, told from its socket alone (no packet
 * bytes read): a connection's peer port is fixed, where a UDP or raw socket may send anywhere.
 * The request and time-wait sockets that send SYN-ACKs and late ACKs are TCP's only.
 */
static __always_inline bool tcp_to_other_port(struct sock *sk)
{
	__u16 dport = sk->__sk_common.skc_dport;
	if (!dport || dport == bpf_htons(53))
		return false;
	__u8 state = sk->__sk_common.skc_state;
	return state == TCP_TIME_WAIT || state == TCP_NEW_SYN_RECV || (sk->sk_type == SOCK_STREAM && sk->sk_protocol == IPPROTO_TCP);
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(dns__xmit, struct sk_buff *skb)
{
	/* every packet sent comes here: direct loads, and the port first, so that one not to 53 costs least */
	struct sock *sk = skb->sk;
	if (!sk)
		return 0;
	if (tcp_to_other_port(sk))
		return 0;
	unsigned char *head = BPF_CORE_READ(skb, head); /* a plain number: offsets are added to it */
	__u16 nh = skb->network_header, th = skb->transport_header;
	__u16 ports[2];
	if (bpf_probe_read_kernel(ports, sizeof(ports), head + th) || ports[1] != bpf_htons(53) || !wanted(T_DNS))
		return 0;
	struct inet_pair addr = {};
	__u8 l4 = ip_header(head, nh, skb->protocol, &addr);
	if (l4 != IPPROTO_UDP && l4 != IPPROTO_TCP)
		return 0;
	addr.sport = bpf_ntohs(ports[0]);
	addr.dport = 53;
	addr.protocol = l4;
	__u32 off = th + 8; /* UDP header */
	if (l4 == IPPROTO_TCP) {
		__u8 doff = 0;
		bpf_probe_read_kernel(&doff, 1, head + th + 12);
		off = th + (doff >> 4) * 4 + 2; /* past the TCP header and DNS-over-TCP's length prefix */
	}
	/* the linear part of the packet ends at data + len - data_len */
	__u32 end = (BPF_CORE_READ(skb, data) - head) + BPF_CORE_READ(skb, len) - BPF_CORE_READ(skb, data_len);
	if (end <= off + 12)
		return 0; /* no DNS header: an ACK, a handshake, or a fragment */
	__u32 len = end - off;
	if (len > VIGIL_DNS_MAX)
		len = VIGIL_DNS_MAX;
	struct dns_event *e = record_area();
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->addr = addr;
	__u32 pos = put_bytes(e, sizeof(*e), &e->payload, head + off, len, false, T_DNS);
	fill_header(&e->hdr, bpf_get_current_task_btf(), T_DNS, 0);
	emit(e, pos);
	return 0;
}

/* Port scans, aggregated per source address in the kernel: one event per source per window. */
struct scan_key {
	__u8 addr[16];
	__u16 family;
	__u16 _pad[3];
};

struct scan_state {
	__u64 start;
	__u64 bits[4];  /* ports seen, hashed to 256 bits */
	__u32 count;
	__u32 reported;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct scan_key);
	__type(value, struct scan_state);
} scans SEC(".maps");

static __always_inline void scan_probe(__u16 family, const __u8 *src, __u16 sport, const __u8 *dst, __u16 dport)
{
	struct vigil_config *c = cfg();
	if (!c || !wanted(T_PORT_SCAN))
		return;
	struct scan_key key = { .family = family };
	__builtin_memcpy(key.addr, src, 16);
	__u64 now = bpf_ktime_get_boot_ns();
	struct scan_state *s = bpf_map_lookup_elem(&scans, &key);
	if (!s || now - s->start > (__u64)c->scan_window_ms * 1000000) {
		struct scan_state fresh = { .start = now };
		bpf_map_update_elem(&scans, &key, &fresh, BPF_ANY);
		s = bpf_map_lookup_elem(&scans, &key);
		if (!s)
			return;
	}
	__u32 bit = (dport * 2654435761u) >> 24;
	__u64 mask = 1ULL << (bit & 63);
	__u32 word = (bit >> 6) & 3;
	if (s->bits[word] & mask)
		return;
	s->bits[word] |= mask;
	s->count++;
	if (s->count < c->scan_threshold || s->reported)
		return;
	s->reported = 1;
	struct scan_event *e = record_area();
	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	fill_header(&e->hdr, bpf_get_current_task_btf(), T_PORT_SCAN, sizeof(*e));
	e->addr.family = family;
	e->addr.protocol = 6;
	__builtin_memcpy(e->addr.sip, src, 16);
	__builtin_memcpy(e->addr.dip, dst, 16);
	e->addr.sport = sport;
	e->addr.dport = dport;
	e->ports = s->count;
	e->window_ms = c->scan_window_ms;
	emit(e, sizeof(*e));
}

/* Whether a connection's two ends are this host: a loopback address, or the same address at both. */
static __always_inline bool same_host(const struct inet_pair *p)
{
	__u64 s[2], d[2];
	__builtin_memcpy(s, p->sip, 16);
	__builtin_memcpy(d, p->dip, 16);
	if (s[0] == d[0] && s[1] == d[1])
		return true;
	if (p->family == AF_INET)
		return p->dip[0] == 127;
	return d[0] == 0 && d[1] == bpf_cpu_to_be64(1); /* ::1 */
}

/*
 * A SYN over a loopback device is handled in the context of the task that sent it: one sent by
 * connect(2), with the connect hook on, is that hook's to report (it names the process, and the
 * stock pack's "Outbound port scan" counts its ports); a raw SYN (nmap -sS) is still a probe here.
 */
static __always_inline bool connect_over_loopback(const struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	if (!dev || !(dev->flags & IFF_LOOPBACK))
		return false;
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	return SYSCALL_NR(regs) == NR_CONNECT && hook_on(T_CONNECT);
}

/*
 * Both scan programs are tp_btf: they get the kernel's own arguments, where a classic tracepoint
 * first copies addresses and ports into its record on every call, the calls ignored too
 * (inet_sock_set_state fires twice per refused connect).
 */
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(scan__reset, const struct sock *sk, const struct sk_buff *skb)
{
	if (sk || !skb)
		return 0; /* a reset on an existing connection, not an answer to a probe */
	if (connect_over_loopback(skb))
		return 0;
	/* The probe that drew the reset: its IP header, and its TCP header at skb->data (as the tracepoint reads it). */
	unsigned char *head = BPF_CORE_READ(skb, head), *data = BPF_CORE_READ(skb, data);
	__u16 ports[2];
	if (bpf_probe_read_kernel(ports, sizeof(ports), data))
		return 0;
	struct inet_pair p = {.sport = bpf_ntohs(ports[0]), .dport = bpf_ntohs(ports[1])};
	if (!ip_header(head, skb->network_header, skb->protocol, &p))
		return 0;
	scan_probe(p.family, p.sip, p.sport, p.dip, p.dport);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(scan__established, const struct sock *sk, int oldstate, int newstate)
{
	if (oldstate != TCP_SYN_RECV || newstate != TCP_ESTABLISHED)
		return 0;
	struct inet_pair p = {};
	if (!sock_pair((struct sock *)sk, &p) || p.protocol != IPPROTO_TCP)
		return 0;
	if (same_host(&p) && hook_on(T_CONNECT))
		return 0; /* a local connect (syscall or io_uring): the connect hook's to report */
	scan_probe(p.family, p.dip, p.dport, p.sip, p.sport); /* the peer probed this host's port */
	return 0;
}
