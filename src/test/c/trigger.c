/*
 * trigger: makes the kernel do one thing a Vigil hook reports, so that an
 * integration test can assert the event. One subcommand per action; prints
 * nothing on success except where a test needs a value (a pid, a port).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/io_uring.h>
#include <linux/sched.h>

static int die(const char *what)
{
	perror(what);
	return 1;
}

static int cmd_memfd_exec(void)
{
	int fd = memfd_create("vigil-memfd", MFD_CLOEXEC);
	if (fd < 0)
		return die("memfd_create");
	int src = open("/bin/true", O_RDONLY);
	char buf[65536];
	ssize_t n;
	while ((n = read(src, buf, sizeof(buf))) > 0)
		if (write(fd, buf, n) != n)
			return die("write");
	char *argv[] = {"memfd-child", NULL}, *envp[] = {NULL};
	pid_t pid = fork();
	if (pid == 0) {
		fexecve(fd, argv, envp);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	return 0;
}

static int cmd_ptrace_poke(void)
{
	pid_t child = fork();
	if (child == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		_exit(0);
	}
	int st;
	waitpid(child, &st, 0);
	static long target = 0;
	if (ptrace(PTRACE_POKETEXT, child, &target, (void *)0x4141414141414141L) < 0)
		return die("ptrace poke");
	kill(child, SIGKILL);
	waitpid(child, &st, 0);
	printf("%d\n", child);
	return 0;
}

/* Another process's tracer for a moment: attach (the target's thread stops), then let it go. */
static int cmd_ptrace_attach(pid_t pid)
{
	if (ptrace(PTRACE_ATTACH, pid, 0, 0) < 0)
		return die("ptrace attach");
	int st;
	waitpid(pid, &st, __WALL);
	ptrace(PTRACE_DETACH, pid, 0, 0);
	return 0;
}

/* process_vm_writev into `pid` at an address that is not mapped: the attempt is what counts. */
static int cmd_vm_write(pid_t pid)
{
	char byte = 0;
	struct iovec local = {&byte, 1}, remote = {(void *)8, 1};
	syscall(SYS_process_vm_writev, pid, &local, 1UL, &remote, 1UL, 0UL);
	return 0;
}

/* process_vm_readv from `pid` at an address that is not mapped. */
/* process_vm_readv of `pid` `times` times, as a tracer does, then once of init (a marker: another target). */
static int cmd_vm_read(pid_t pid, int times)
{
	char byte = 0;
	struct iovec local = {&byte, 1}, remote = {(void *)8, 1};
	for (int i = 0; i < times; i++)
		syscall(SYS_process_vm_readv, pid, &local, 1UL, &remote, 1UL, 0UL);
	if (times > 1)
		syscall(SYS_process_vm_readv, 1, &local, 1UL, &remote, 1UL, 0UL);
	return 0;
}

/* A TCP socket bound to 127.0.0.1 port 0 and listening: prints the port the kernel chose. */
static int cmd_listen0(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 1) < 0)
		return die("listen0");
	socklen_t len = sizeof(a);
	getsockname(s, (struct sockaddr *)&a, &len);
	printf("%d\n", ntohs(a.sin_port));
	return 0;
}

/*
 * A connected loopback socket duplicated onto stdin (dup3) and onto fd 9 (dup2), then /dev/null
 * onto stdin: only the first puts a socket on fd 0-2. Prints the listener's and the client's ports.
 */
static int cmd_dup_socket(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 || getsockname(l, (struct sockaddr *)&a, &len) < 0
	    || connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
		return die("dup-socket");
	struct sockaddr_in me;
	len = sizeof(me);
	getsockname(c, (struct sockaddr *)&me, &len);
	printf("%d %d\n", ntohs(a.sin_port), ntohs(me.sin_port));
	fflush(stdout);
	int null = open("/dev/null", O_RDONLY);
	if (null < 0 || dup3(c, 0, 0) != 0 || dup2(c, 9) != 9 || dup2(null, 0) != 0)
		return die("dup-socket dup");
	return 0;
}

/* A packet socket (sniffing) and a raw ICMP socket. */
static int cmd_raw_sockets(void)
{
	int p = socket(AF_PACKET, SOCK_RAW, htons(3 /* ETH_P_ALL */));
	int r = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (p < 0 || r < 0)
		return die("raw sockets");
	return 0;
}

/* As a non-root user: ask for root by two calls; both are refused. */
static int cmd_ask_root(void)
{
	if (setuid(0) == 0 || setresuid(0, 0, 0) == 0)
		return die("was given root");
	return 0;
}

/* capset: drop CAP_NET_RAW from the effective set, keep the rest. */
static int cmd_capset(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return die("capget");
	d[0].effective &= ~(1u << CAP_NET_RAW);
	if (syscall(SYS_capset, &h, d) < 0)
		return die("capset");
	return 0;
}

/* security.capability (v2, cap_net_raw+ep) on `path`, by path and by fd. */
static int cmd_setcap(const char *path)
{
	struct { __u32 magic; struct { __u32 permitted, inheritable; } data[2]; } caps = {
		VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE, {{1u << CAP_NET_RAW, 0}, {0, 0}}};
	if (setxattr(path, "security.capability", &caps, sizeof(caps), 0) < 0)
		return die("setxattr");
	int fd = open(path, O_RDONLY);
	if (fd < 0 || fsetxattr(fd, "security.capability", &caps, sizeof(caps), 0) < 0)
		return die("fsetxattr");
	return 0;
}

static int cmd_userfaultfd(void)
{
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (fd < 0)
		return die("userfaultfd");
	return 0;
}

/* A two-instruction socket filter named "vigil_probe". */
static int cmd_bpf_load(void)
{
	struct bpf_insn insns[] = {{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0}, {.code = BPF_JMP | BPF_EXIT}};
	union bpf_attr attr = {0};
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (unsigned long)insns;
	attr.insn_cnt = 2;
	attr.license = (unsigned long)"GPL";
	strcpy(attr.prog_name, "vigil_probe");
	int fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd < 0)
		return die("bpf prog load");
	return 0;
}

static int child_exits(void *arg)
{
	(void)arg;
	return 0;
}

/* New namespaces by clone(2) (uts) and clone3(2) (mount): prints both children's pids. */
static int cmd_clone_ns(void)
{
	static char stack[64 * 1024];
	pid_t a = clone(child_exits, stack + sizeof(stack), CLONE_NEWUTS | SIGCHLD, NULL);
	if (a < 0)
		return die("clone CLONE_NEWUTS");
	waitpid(a, NULL, 0);
	struct clone_args args = {.flags = CLONE_NEWNS, .exit_signal = SIGCHLD};
	pid_t b = syscall(SYS_clone3, &args, sizeof(args));
	if (b == 0)
		_exit(0);
	if (b < 0)
		return die("clone3 CLONE_NEWNS");
	waitpid(b, NULL, 0);
	printf("%d %d\n", a, b);
	return 0;
}

/* Runs the program open at `fd` in a child by fexecve (execveat with AT_EMPTY_PATH), waits, prints the child's pid. */
static int run_fd(int fd, char **argv, char **envp)
{
	pid_t pid = fork();
	if (pid == 0) {
		fexecve(fd, argv, envp);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	printf("%d\n", pid);
	return 0;
}

/* /bin/true by fexecve with a chosen environment. */
static int cmd_fexecve_env(void)
{
	char *argv[] = {"true", NULL}, *envp[] = {"GLIBC_TUNABLES=glibc.malloc.check=3", "HISTFILE=/dev/null", NULL};
	return run_fd(open("/bin/true", O_RDONLY | O_CLOEXEC), argv, envp);
}

/* Copies /bin/true to `path`, opens it, unlinks it, then runs it by fexecve: an exec of a deleted file. Prints the child's pid. */
static int cmd_exec_deleted(const char *path)
{
	int src = open("/bin/true", O_RDONLY), dst = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	char buf[65536];
	ssize_t n;
	while ((n = read(src, buf, sizeof(buf))) > 0)
		if (write(dst, buf, n) != n)
			return die("copy");
	close(dst);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || unlink(path) < 0)
		return die("open+unlink");
	char *argv[] = {"deleted", NULL}, *envp[] = {NULL};
	return run_fd(fd, argv, envp);
}

/* truncate(2) by path, then ftruncate(2) on an opened descriptor. */
static int cmd_truncate(const char *by_path, const char *by_fd)
{
	if (truncate(by_path, 0) < 0)
		return die("truncate");
	int fd = open(by_fd, O_WRONLY);
	if (fd < 0 || ftruncate(fd, 1) < 0)
		return die("ftruncate");
	return 0;
}

static int cmd_setresuid(void)
{
	if (setresuid(65534, 65534, 0) < 0)
		return die("setresuid 65534");
	if (setresuid(0, 0, 0) < 0)
		return die("setresuid 0");
	return 0;
}

/*
 * Root creds that no set-uid exec or set*uid call explains, as a kernel exploit
 * leaves them: a root child whose parent has meanwhile dropped to uid 65534
 * execs a program. Prints the child's pid.
 */
static int cmd_privesc_shape(void)
{
	int go[2];
	if (pipe(go) < 0)
		return die("pipe");
	pid_t child = fork();
	if (child == 0) {
		char c;
		close(go[1]);
		read(go[0], &c, 1);
		execl("/bin/true", "true", NULL);
		_exit(127);
	}
	if (setresuid(65534, 65534, 65534) < 0)
		return die("drop");
	printf("%d\n", child);
	fflush(stdout);
	write(go[1], "x", 1);
	int st;
	waitpid(child, &st, 0);
	return 0;
}

static int cmd_finit_module(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return die("open module");
	long rc = syscall(SYS_finit_module, fd, "", 0);
	printf("%ld %d\n", rc, rc < 0 ? errno : 0);
	return 0;
}

static int cmd_mount_tmpfs(const char *dir)
{
	if (unshare(CLONE_NEWNS) < 0)
		return die("unshare");
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return die("make private");
	if (mount("vigil-tmpfs", dir, "tmpfs", MS_NOSUID, "size=1m") < 0)
		return die("mount");
	return 0;
}

static int cmd_prctl(const char *name)
{
	return prctl(PR_SET_NAME, name, 0, 0, 0) < 0 ? die("prctl") : 0;
}

static int cmd_mprotect(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return die("mmap");
	return mprotect(p, 4096, PROT_READ | PROT_EXEC) < 0 ? die("mprotect") : 0;
}

/* Maps each file as code (a library's text), the way ld.so and dlopen do, and unmaps it. */
static int cmd_map_exec(int n, char **paths)
{
	for (int i = 0; i < n; i++) {
		int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return die("open");
		void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED)
			return die("mmap");
		munmap(p, 4096);
		close(fd);
	}
	return 0;
}

/* A child named `name` is sent SIGCONT (not a stopping signal), then SIGTERM; prints the child's pid. */
static int cmd_guarded_kill(const char *name)
{
	int ready[2];
	if (pipe(ready) < 0)
		return die("pipe");
	pid_t child = fork();
	if (child == 0) {
		prctl(PR_SET_NAME, name);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	char c;
	if (read(ready[0], &c, 1) != 1)
		return die("read");
	kill(child, SIGCONT);
	kill(child, SIGTERM);
	int st;
	waitpid(child, &st, 0);
	printf("%d\n", child);
	return 0;
}

static int cmd_signals(void)
{
	pid_t child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	syscall(SYS_tkill, child, 0);
	syscall(SYS_tgkill, child, child, 0);
	kill(child, SIGTERM);
	int st;
	waitpid(child, &st, 0);
	printf("%d\n", child);
	return 0;
}

static int cmd_sleep(void)
{
	struct timespec ts = {0, 1234567};
	nanosleep(&ts, NULL);
	return 0;
}

static int cmd_setsid(void)
{
	pid_t child = fork();
	if (child == 0)
		_exit(setsid() < 0);
	int st;
	waitpid(child, &st, 0);
	printf("%d\n", child);
	return 0;
}

static int family_of(const char *ip)
{
	return strchr(ip, ':') ? AF_INET6 : AF_INET;
}

static socklen_t make_addr(struct sockaddr_storage *ss, const char *ip, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (family_of(ip) == AF_INET6) {
		struct sockaddr_in6 *a = (void *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		inet_pton(AF_INET6, ip, &a->sin6_addr);
		return sizeof(*a);
	}
	struct sockaddr_in *a = (void *)ss;
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	inet_pton(AF_INET, ip, &a->sin_addr);
	return sizeof(*a);
}

/* Listens on ip, connects to it, accepts: bind, connect and accept in one go. Prints both ports. */
static int cmd_tcp(const char *ip)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(&ss, ip, 0);
	int l = socket(family_of(ip), SOCK_STREAM, 0);
	if (bind(l, (void *)&ss, len) < 0 || listen(l, 1) < 0)
		return die("bind/listen");
	getsockname(l, (void *)&ss, &len);
	int port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	int c = socket(family_of(ip), SOCK_STREAM, 0);
	if (connect(c, (void *)&ss, len) < 0)
		return die("connect");
	int a = accept(l, NULL, NULL);
	if (a < 0)
		return die("accept");
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);
	getsockname(c, (void *)&local, &llen);
	printf("%d %d\n", port, ntohs(((struct sockaddr_in *)&local)->sin_port));
	return 0;
}

/* A reverse shell on loopback: sh with fds 0/1/2 on a socket connected to a listener here. */
static int cmd_revshell(void)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(&ss, "127.0.0.1", 0);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(l, (void *)&ss, len) < 0 || listen(l, 1) < 0)
		return die("listen");
	getsockname(l, (void *)&ss, &len);
	int port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	pid_t child = fork();
	if (child == 0) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(s, (void *)&ss, len) < 0)
			_exit(1);
		dup2(s, 0);
		dup2(s, 1);
		dup2(s, 2);
		execl("/bin/sh", "sh", "-i", NULL);
		_exit(127);
	}
	int a = accept(l, NULL, NULL);
	const char *script = "exit 0\n";
	write(a, script, strlen(script));
	int st;
	waitpid(child, &st, 0);
	printf("%d %d\n", port, child);
	return 0;
}

/* Asks the resolver at 127.0.0.1:port for name (A record) and waits for the reply. */
/* A query for `name`, type A, into q; returns its length. */
static int dns_query(const char *name, unsigned char *q)
{
	unsigned char h[12] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
	memcpy(q, h, 12);
	int n = 12;
	const char *p = name;
	while (*p) {
		const char *dot = strchr(p, '.');
		int len = dot ? dot - p : (int)strlen(p);
		q[n++] = len;
		memcpy(q + n, p, len);
		n += len;
		p += len + (dot ? 1 : 0);
		if (!dot)
			break;
	}
	q[n++] = 0;
	q[n++] = 0, q[n++] = 1, q[n++] = 0, q[n++] = 1;
	return n;
}

/* A query on a connected socket; the reply read by recvfrom, or with read(2) as Go's resolver and busybox read it. */
static int cmd_dns(const char *name, int port, int with_read)
{
	unsigned char q[512];
	int n = dns_query(name, q);
	struct sockaddr_storage ss;
	socklen_t len = make_addr(&ss, "127.0.0.1", port);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	connect(s, (void *)&ss, len);
	send(s, q, n, 0);
	unsigned char r[512];
	struct timeval tv = {3, 0};
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (with_read)
		return read(s, r, sizeof(r)) > 0 ? 0 : die("read");
	return recvfrom(s, r, sizeof(r), 0, NULL, NULL) > 0 ? 0 : die("recv");
}


/* A query by sendto on an unconnected socket, the reply read by recvfrom with the peer's address; "noreply" waits for none. */
static int cmd_dns_unconnected(const char *name, int port, int wait_reply)
{
	unsigned char q[512];
	int n = dns_query(name, q);
	struct sockaddr_storage ss, from;
	socklen_t len = make_addr(&ss, "127.0.0.1", port), flen = sizeof(from);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	if (sendto(s, q, n, 0, (void *)&ss, len) != n)
		return die("sendto");
	if (!wait_reply)
		return 0;
	unsigned char r[512];
	struct timeval tv = {3, 0};
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return recvfrom(s, r, sizeof(r), 0, (void *)&from, &flen) > 0 ? 0 : die("recvfrom");
}

/* Connects to count consecutive closed ports from base on ip. */
static int cmd_scan(int base, int count, const char *ip)
{
	for (int port = base; port < base + count; port++) {
		struct sockaddr_storage ss;
		socklen_t len = make_addr(&ss, ip, port);
		int s = socket(family_of(ip), SOCK_STREAM, 0);
		connect(s, (void *)&ss, len);
		close(s);
	}
	return 0;
}

/* The Internet checksum of a TCP segment over IPv4 (RFC 793's pseudo-header, then the segment). */
static unsigned short tcp4_checksum(struct in_addr src, struct in_addr dst, const void *seg, int len)
{
	unsigned long sum = 0;
	const unsigned short *w = (const void *)&src;
	sum += w[0] + w[1];
	w = (const void *)&dst;
	sum += w[0] + w[1];
	sum += htons(IPPROTO_TCP) + htons(len);
	w = seg;
	for (int i = 0; i < len / 2; i++)
		sum += w[i];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* SYNs to count closed ports from base on 127.0.0.1, crafted on a raw socket as nmap -sS sends them: no connect(2). */
static int cmd_syn_scan(int base, int count)
{
	int s = socket(AF_INET, SOCK_RAW, IPPROTO_TCP);
	if (s < 0)
		return die("raw socket");
	struct in_addr lo = {htonl(INADDR_LOOPBACK)};
	for (int port = base; port < base + count; port++) {
		unsigned char seg[20] = {0};
		seg[0] = 45678 >> 8, seg[1] = 45678 & 0xff;     /* source port */
		seg[2] = port >> 8, seg[3] = port & 0xff;       /* destination port */
		seg[7] = 1;                                     /* sequence number */
		seg[12] = 5 << 4;                               /* data offset: 5 words */
		seg[13] = 0x02;                                 /* SYN */
		seg[14] = 0xff, seg[15] = 0xff;                 /* window */
		unsigned short sum = tcp4_checksum(lo, lo, seg, sizeof(seg));
		memcpy(seg + 16, &sum, 2);
		struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr = lo};
		if (sendto(s, seg, sizeof(seg), 0, (void *)&to, sizeof(to)) != sizeof(seg))
			return die("sendto");
	}
	close(s);
	return 0;
}

/* Moves this process into the network namespace at path (a bind mount made by `ip netns add`). */
static int enter_netns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		return die("setns");
	close(fd);
	return 0;
}

/*
 * Listens on count ports of ip (the kernel picks them), then connects to each from the network
 * namespace at netns_path (or from here): a scan that finds every port open.
 */
static int cmd_scan_open(const char *ip, int count, const char *netns_path)
{
	enum { MAX_PORTS = 64 };
	struct sockaddr_storage at[MAX_PORTS];
	socklen_t len[MAX_PORTS];
	if (count > MAX_PORTS)
		return die("scan-open: too many ports");
	for (int i = 0; i < count; i++) {
		len[i] = make_addr(&at[i], ip, 0);
		int l = socket(family_of(ip), SOCK_STREAM, 0);
		if (bind(l, (void *)&at[i], len[i]) < 0 || listen(l, 1) < 0)
			return die("bind/listen");
		getsockname(l, (void *)&at[i], &len[i]);
	}
	if (netns_path && enter_netns(netns_path))
		return 1;
	for (int i = 0; i < count; i++) {
		int c = socket(family_of(ip), SOCK_STREAM, 0);
		if (connect(c, (void *)&at[i], len[i]) < 0)
			return die("connect");
		close(c);
	}
	return 0;
}

/* COUNT refused connects to one closed port, then one to the next port. */
static int cmd_retry(int port, int count)
{
	for (int i = 0; i <= count; i++) {
		struct sockaddr_storage ss;
		socklen_t len = make_addr(&ss, "127.0.0.1", i < count ? port : port + 1);
		int s = socket(AF_INET, SOCK_STREAM, 0);
		connect(s, (void *)&ss, len);
		close(s);
	}
	return 0;
}

static int cmd_files(const char *dir)
{
	char a[4096], b[4096];
	snprintf(a, sizeof(a), "%s/created", dir);
	int fd = open(a, O_CREAT | O_WRONLY | O_EXCL, 0600);
	if (fd < 0)
		return die("create");
	write(fd, "vigil-write-preview", 19);
	close(fd);
	fd = open(a, O_RDONLY); /* opens only: no create_file */
	close(fd);
	chmod(a, 0755);
	snprintf(b, sizeof(b), "%s/renamed", dir);
	rename(a, b);
	snprintf(a, sizeof(a), "%s/hardlink", dir);
	link(b, a);
	snprintf(a, sizeof(a), "%s/symlink", dir);
	symlink(b, a);
	unlink(a);
	snprintf(a, sizeof(a), "%s/subdir", dir);
	syscall(SYS_mkdir, a, 0700);
	rmdir(a);
	syscall(SYS_mkdirat, AT_FDCWD, a, 0710); /* the *at form, left for the caller to remove */
	return 0;
}

static int cmd_read(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return die("open");
	char c;
	read(fd, &c, 1);
	return 0;
}

/* One io_uring request, submitted and reaped with raw syscalls: no openat/connect syscall is made. */
/* When set, uring_one registers one empty fixed-file slot before submitting. */
static int uring_fixed_slot;

static int uring_one(void (*prep)(struct io_uring_sqe *, void *), void *arg)
{
	struct io_uring_params p = {0};
	int ring = syscall(SYS_io_uring_setup, 4, &p);
	if (ring < 0)
		return die("io_uring_setup");
	int empty = -1;
	if (uring_fixed_slot && syscall(SYS_io_uring_register, ring, IORING_REGISTER_FILES, &empty, 1) < 0)
		return die("io_uring_register files");
	size_t sqlen = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	size_t cqlen = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	char *sq = mmap(NULL, sqlen, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQ_RING);
	char *cq = mmap(NULL, cqlen, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_CQ_RING);
	struct io_uring_sqe *sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
					 MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		return die("mmap ring");
	unsigned tail = *(unsigned *)(sq + p.sq_off.tail);
	unsigned idx = tail & *(unsigned *)(sq + p.sq_off.ring_mask);
	memset(&sqes[idx], 0, sizeof(sqes[idx]));
	prep(&sqes[idx], arg);
	((unsigned *)(sq + p.sq_off.array))[idx] = idx;
	__atomic_store_n((unsigned *)(sq + p.sq_off.tail), tail + 1, __ATOMIC_RELEASE);
	if (syscall(SYS_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return die("io_uring_enter");
	unsigned head = *(unsigned *)(cq + p.cq_off.head);
	struct io_uring_cqe *cqe = &((struct io_uring_cqe *)(cq + p.cq_off.cqes))[head & *(unsigned *)(cq + p.cq_off.ring_mask)];
	printf("%d\n", cqe->res);
	return cqe->res < 0 && cqe->res != -EINPROGRESS;
}

static void prep_openat(struct io_uring_sqe *sqe, void *path)
{
	sqe->opcode = IORING_OP_OPENAT;
	sqe->fd = AT_FDCWD;
	sqe->addr = (unsigned long)path;
	sqe->open_flags = O_CREAT | O_WRONLY;
	sqe->len = 0600;
}

struct two_paths {
	const char *from, *to;
};

static void prep_renameat(struct io_uring_sqe *sqe, void *arg)
{
	struct two_paths *p = arg;
	sqe->opcode = IORING_OP_RENAMEAT;
	sqe->fd = AT_FDCWD;
	sqe->addr = (unsigned long)p->from;
	sqe->len = AT_FDCWD;
	sqe->addr2 = (unsigned long)p->to;
}

static void prep_linkat(struct io_uring_sqe *sqe, void *arg)
{
	prep_renameat(sqe, arg);
	sqe->opcode = IORING_OP_LINKAT;
}

static void prep_symlinkat(struct io_uring_sqe *sqe, void *arg)
{
	struct two_paths *p = arg;
	sqe->opcode = IORING_OP_SYMLINKAT;
	sqe->fd = AT_FDCWD;
	sqe->addr = (unsigned long)p->from;
	sqe->addr2 = (unsigned long)p->to;
}

static void prep_unlinkat(struct io_uring_sqe *sqe, void *path)
{
	sqe->opcode = IORING_OP_UNLINKAT;
	sqe->fd = AT_FDCWD;
	sqe->addr = (unsigned long)path;
}

static void prep_mkdirat(struct io_uring_sqe *sqe, void *path)
{
	sqe->opcode = IORING_OP_MKDIRAT;
	sqe->fd = AT_FDCWD;
	sqe->addr = (unsigned long)path;
	sqe->len = 0750;
}

/* In `dir`: a exists; rename a to b, hard-link b as c, symlink d to "target", unlink c, make directory e, all through io_uring. */
static int cmd_uring_paths(const char *dir)
{
	char a[512], b[512], c[512], d[512], e[512];
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	snprintf(c, sizeof(c), "%s/c", dir);
	snprintf(d, sizeof(d), "%s/d", dir);
	snprintf(e, sizeof(e), "%s/e", dir);
	close(open(a, O_CREAT | O_WRONLY, 0600));
	struct two_paths ren = {a, b}, lnk = {b, c}, sym = {"target", d};
	if (uring_one(prep_renameat, &ren) || uring_one(prep_linkat, &lnk) || uring_one(prep_symlinkat, &sym)
	    || uring_one(prep_unlinkat, c) || uring_one(prep_mkdirat, e))
		return 1;
	return 0;
}

/* IORING_OP_SOCKET: a packet socket, made without socket(2). */
static void prep_packet_socket(struct io_uring_sqe *sqe, void *unused)
{
	(void)unused;
	sqe->opcode = IORING_OP_SOCKET;
	sqe->fd = AF_PACKET;
	sqe->off = SOCK_RAW;
	sqe->len = htons(3);
}

/* IORING_OP_OPENAT into fixed-file slot 0: the opened file gets no descriptor. */
static void prep_openat_fixed(struct io_uring_sqe *sqe, void *path)
{
	prep_openat(sqe, path);
	sqe->file_index = 1;
}

static struct sockaddr_in uring_peer;

static void prep_connect(struct io_uring_sqe *sqe, void *fdp)
{
	sqe->opcode = IORING_OP_CONNECT;
	sqe->fd = *(int *)fdp;
	sqe->addr = (unsigned long)&uring_peer;
	sqe->off = sizeof(uring_peer);
}

static int cmd_uring_connect(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_storage ss;
	socklen_t len = make_addr(&ss, "127.0.0.1", 0);
	if (bind(l, (void *)&ss, len) < 0 || listen(l, 1) < 0)
		return die("listen");
	getsockname(l, (void *)&ss, &len);
	memcpy(&uring_peer, &ss, sizeof(uring_peer));
	printf("%d\n", ntohs(uring_peer.sin_port));
	int s = socket(AF_INET, SOCK_STREAM, 0);
	return uring_one(prep_connect, &s);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: trigger COMMAND [ARGS]\n");
		return 2;
	}
	if (!strcmp(argv[1], "netns") && argc > 3) { /* netns PATH COMMAND [ARGS]: the command run from that namespace */
		if (enter_netns(argv[2]))
			return 1;
		argv += 2;
		argc -= 2;
	}
	const char *c = argv[1];
	if (!strcmp(c, "memfd-exec")) return cmd_memfd_exec();
	if (!strcmp(c, "ptrace-poke")) return cmd_ptrace_poke();
	if (!strcmp(c, "setresuid")) return cmd_setresuid();
	if (!strcmp(c, "ptrace-attach") && argc > 2) return cmd_ptrace_attach(atoi(argv[2]));
	if (!strcmp(c, "vm-write") && argc > 2) return cmd_vm_write(atoi(argv[2]));
	if (!strcmp(c, "vm-read") && argc > 2) return cmd_vm_read(atoi(argv[2]), argc > 3 ? atoi(argv[3]) : 1);
	if (!strcmp(c, "listen0")) return cmd_listen0();
	if (!strcmp(c, "dup-socket")) return cmd_dup_socket();
	if (!strcmp(c, "ask-root")) return cmd_ask_root();
	if (!strcmp(c, "clone-ns")) return cmd_clone_ns();
	if (!strcmp(c, "fexecve-env")) return cmd_fexecve_env();
	if (!strcmp(c, "exec-deleted") && argc > 2) return cmd_exec_deleted(argv[2]);
	if (!strcmp(c, "truncate") && argc > 3) return cmd_truncate(argv[2], argv[3]);
	if (!strcmp(c, "capset")) return cmd_capset();
	if (!strcmp(c, "setcap") && argc > 2) return cmd_setcap(argv[2]);
	if (!strcmp(c, "userfaultfd")) return cmd_userfaultfd();
	if (!strcmp(c, "bpf-load")) return cmd_bpf_load();
	if (!strcmp(c, "raw-sockets")) return cmd_raw_sockets();
	if (!strcmp(c, "tgkill") && argc > 4) return syscall(SYS_tgkill, atoi(argv[2]), atoi(argv[3]), atoi(argv[4])) < 0 ? die("tgkill") : 0;
	if (!strcmp(c, "privesc-shape")) return cmd_privesc_shape();
	if (!strcmp(c, "finit-module") && argc > 2) return cmd_finit_module(argv[2]);
	if (!strcmp(c, "mount-tmpfs") && argc > 2) return cmd_mount_tmpfs(argv[2]);
	if (!strcmp(c, "prctl") && argc > 2) return cmd_prctl(argv[2]);
	if (!strcmp(c, "mprotect")) return cmd_mprotect();
	if (!strcmp(c, "signals")) return cmd_signals();
	if (!strcmp(c, "map-exec") && argc > 2) return cmd_map_exec(argc - 2, argv + 2);
	if (!strcmp(c, "guarded-kill") && argc > 2) return cmd_guarded_kill(argv[2]);
	if (!strcmp(c, "sleep")) return cmd_sleep();
	if (!strcmp(c, "setsid")) return cmd_setsid();
	if (!strcmp(c, "tcp") && argc > 2) return cmd_tcp(argv[2]);
	if (!strcmp(c, "revshell")) return cmd_revshell();
	if (!strcmp(c, "dns") && argc > 3) return cmd_dns(argv[2], atoi(argv[3]), 0);
	if (!strcmp(c, "dns-read") && argc > 3) return cmd_dns(argv[2], atoi(argv[3]), 1);
	if (!strcmp(c, "dns-unconnected") && argc > 3) return cmd_dns_unconnected(argv[2], atoi(argv[3]), 1);
	if (!strcmp(c, "dns-noreply") && argc > 3) return cmd_dns_unconnected(argv[2], atoi(argv[3]), 0);
	if (!strcmp(c, "scan") && argc > 3) return cmd_scan(atoi(argv[2]), atoi(argv[3]), argc > 4 ? argv[4] : "127.0.0.1");
	if (!strcmp(c, "syn-scan") && argc > 3) return cmd_syn_scan(atoi(argv[2]), atoi(argv[3]));
	if (!strcmp(c, "scan-open") && argc > 3) return cmd_scan_open(argv[2], atoi(argv[3]), argc > 4 ? argv[4] : NULL);
	if (!strcmp(c, "retry") && argc > 3) return cmd_retry(atoi(argv[2]), atoi(argv[3]));
	if (!strcmp(c, "files") && argc > 2) return cmd_files(argv[2]);
	if (!strcmp(c, "read") && argc > 2) return cmd_read(argv[2]);
	if (!strcmp(c, "uring-open") && argc > 2) return uring_one(prep_openat, argv[2]);
	if (!strcmp(c, "uring-packet-socket")) return uring_one(prep_packet_socket, NULL);
	if (!strcmp(c, "uring-paths") && argc > 2) return cmd_uring_paths(argv[2]);
	if (!strcmp(c, "uring-open-fixed") && argc > 2) return uring_fixed_slot = 1, uring_one(prep_openat_fixed, argv[2]);
	if (!strcmp(c, "uring-connect")) return cmd_uring_connect();
	fprintf(stderr, "trigger: unknown command %s\n", c);
	return 2;
}
