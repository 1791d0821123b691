/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The wire format between Vigil's BPF programs and the Java sensor.
 *
 * This header is the only place a record layout is written. The Java decoders
 * declare the same layouts as FFM MemoryLayouts and check them against the BTF
 * that clang emits for these structs (see dev.vigil.sensor.WireCheck): the
 * agent refuses to start on any mismatch.
 *
 * Fixed-width types only. Every record starts with struct event_header.
 * Variable-length data (paths, argv, names) follows the fixed part; a
 * struct str_ref says where (offset from the record start) and how long.
 */
#ifndef VIGIL_H
#define VIGIL_H

/* Sizes. */
#define VIGIL_COMM_LEN      16
#define VIGIL_TREE_DEPTH    12   /* pid_tree levels, as Elkeid */
#define VIGIL_SCRATCH       32768 /* per-CPU record building area */
#define VIGIL_STR_MAX       4096 /* one string field, bytes */
#define VIGIL_RECORD_MAX    16384 /* one record, bytes */
#define VIGIL_DNS_MAX       512  /* DNS payload bytes shipped */
#define VIGIL_WRITE_PREVIEW 64   /* first bytes of a write */

/*
 * Event types: Elkeid's data_type numbers, Vigil's own from 700, and from 1000 fork and the internal ones.
 * Each is declared once in Java (dev.vigil.event.EventType, named T_ + its name there); the
 * agent reads this enum from the object's BTF and refuses to start when the two disagree.
 */
enum vigil_type {
	T_WRITE = 1,
	T_OPEN = 2,
	T_MPROTECT = 10,
	T_NANOSLEEP = 35,
	T_CONNECT = 42,
	T_ACCEPT = 43,
	T_BIND = 49,
	T_EXECVE = 59,
	T_EXIT = 60,
	T_KILL = 62,
	T_RENAME = 82,
	T_LINK = 86,
	T_CHMOD = 90,
	T_PTRACE = 101,
	T_SETSID = 112,
	T_PRCTL = 157,
	T_MOUNT = 165,
	T_TKILL = 200,
	T_TGKILL = 201,
	T_EXIT_GROUP = 231,
	T_MEMFD_CREATE = 356,
	T_DNS = 601,
	T_CREATE_FILE = 602,
	T_LOAD_MODULE = 603,
	T_UPDATE_CRED = 604,
	T_UNLINK = 605,
	T_RMDIR = 606,
	T_USERMODEHELPER = 607,
	T_FILE_WRITE = 608,
	T_FILE_READ = 609,
	T_USB = 610,
	T_PRIVILEGE_ESCALATION = 611,
	T_PORT_SCAN = 612,
	T_AGENT_TAMPER = 700, /* Vigil's own: another process acted on the agent */
	T_PROCESS_MEMORY = 701, /* Vigil's own: another process's memory read or written */
	T_RAW_SOCKET = 702,  /* Vigil's own: a raw or packet socket created (task_event: arg0 family, arg1 type, arg2 protocol) */
	T_LISTEN = 703,      /* Vigil's own: listen(2) on an inet socket (net_event) */
	T_CAPSET = 704,      /* Vigil's own: capset(2) (task_event: arg0 target pid, arg1 effective, arg2 permitted, arg3 inheritable) */
	T_FILE_CAPS = 705,   /* Vigil's own: security.capability set on a file (file_event) */
	T_USERFAULTFD = 706, /* Vigil's own: userfaultfd(2) (task_event: arg0 flags) */
	T_BPF_LOAD = 707,    /* Vigil's own: a BPF program loaded (task_event: arg0 prog type; text: its name) */
	T_NAMESPACE = 708,   /* Vigil's own: setns/unshare/clone with CLONE_NEW* (task_event, see enum vigil_ns_action) */
	T_WATCHED_CHANGE = 710, /* Vigil's own: a watched file unlinked, removed, truncated, renamed or hard-linked (file_event; flags: the action) */
	T_SYSCTL_WRITE = 709, /* Vigil's own: a /proc/sys tunable opened for writing (task_event: arg0 flags; text: the path) */
	T_MKDIR = 711,       /* Vigil's own: a directory made (file_event: path, mode) */
	T_DUP = 712,         /* Vigil's own: an inet socket duplicated onto fd 0, 1 or 2 (net_event) */
	T_GUARDED_SIGNAL = 713, /* Vigil's own: a stopping signal sent to a guarded (security) process (task_event: arg0 signal, arg1 target pid, arg2 target start, arg3 1 for the whole group) */
	T_MMAP_EXEC = 714,   /* Vigil's own: a file from a writable place mapped executable (task_event: arg0 prot, arg1 flags, arg2 file owner, arg3 enum vigil_mmap_place; text: path) */
	T_FORK = 1000,       /* a sandbox hook: sent only when on (the process cache does without it) */
	T_CGROUP = 1001,     /* internal: a cgroup v2 directory made or removed (task_event: arg0 id, arg1 removed; text: path) */
	T_SLOTS = 1024,      /* size of per-type maps */
};

/* Where an event can be lost; the loss map is indexed type * L_CAUSES + cause. */
enum vigil_loss {
	L_RINGBUF_FULL = 0,  /* bpf_ringbuf_output failed */
	L_TRUNCATED = 1,     /* a string or record hit its size cap (event still sent) */
	L_READ_FAULT = 2,    /* reading user or kernel memory failed (event still sent) */
	L_RATE_LIMITED = 3,  /* suppressed: the ring was filling and this process was over its rate */
	L_FOLDED = 4,        /* not sent, by design: a failed connect past connect_repeats, a process_vm call past memory_repeats, in its window */
	L_CAUSES = 5,
	/* the type slot (no event has type 0) whose counters sum every hook's by cause: userspace
	 * reads those five each second, and every hook's only when they moved */
	L_ALL_HOOKS = 0,
};

/* Kinds of file behind an fd, for stdin/stdout. */
enum vigil_fd_kind {
	FD_NONE = 0, FD_FILE = 1, FD_PIPE = 2, FD_SOCKET = 3, FD_CHAR = 4, FD_OTHER = 5,
};

struct str_ref {
	__u16 off;             /* from the start of the record */
	__u16 len;             /* bytes, no terminating NUL */
};

struct event_header {
	enum vigil_type type;  /* 4 bytes; typed so the enum reaches the object's BTF */
	__u32 size;            /* whole record, header included */
	__u64 ts;              /* CLOCK_BOOTTIME, ns */
	__u64 start_time;      /* process start (boottime ns): with pid, an identity that survives pid reuse */
	__u64 cgroup_id;       /* cgroup v2 id; userspace maps it to a container id */
	__u32 pid;             /* tgid: the process id users see */
	__u32 tid;
	__u32 ppid;            /* real parent's tgid */
	__u32 pgid;
	__u32 sid;
	__u32 uid;
	__u32 gid;
	__u32 euid;
	__u32 egid;
	__u32 loginuid;
	__u32 sessionid;
	__u32 pns;             /* pid namespace inode */
	__u32 mntns;           /* mount namespace inode */
	__u32 netns;           /* network namespace inode */
	__s32 res;             /* syscall result where the hook has one */
	__u32 flags;           /* reserved */
	char comm[VIGIL_COMM_LEN];
};

struct ancestor {
	__u32 pid;
	char comm[VIGIL_COMM_LEN];
	__u64 start;               /* its start (boottime ns): with pid, the ancestor's identity */
};

struct pid_tree {
	__u32 depth;           /* filled nodes; node[0] is the task itself */
	struct ancestor node[VIGIL_TREE_DEPTH];
};

struct inet_pair {
	__u16 family;          /* AF_INET or AF_INET6; 0 when none */
	__u16 sport;           /* host byte order */
	__u16 dport;
	__u16 protocol;        /* IPPROTO_* */
	__u8 sip[16];          /* IPv4 in the first 4 bytes */
	__u8 dip[16];
};

struct fd_info {
	__u32 kind;            /* enum vigil_fd_kind */
	__u32 _pad;
	__u64 ino;
};

struct cred_ids {
	__u32 uid, gid, suid, sgid, euid, egid, fsuid, fsgid;
};

/* 59 execve (and 607 when parent_kthread): built at sched_process_exec, or at sys_exit when exec failed. */
struct exec_event {
	struct event_header hdr;
	struct pid_tree tree;
	struct inet_pair peer;     /* inet socket on fd 0/1 of the task or an ancestor */
	struct fd_info stdin_info;
	struct fd_info stdout_info;
	__u32 socket_pid;          /* the process whose fd 0/1 held that socket */
	__u32 argc;
	__u8 argv_truncated;
	__u8 parent_kthread;       /* parent is a kernel thread: a usermode helper */
	__u8 cred_unexplained;     /* root creds, non-root parent, no set*id on record */
	__u8 env_truncated;        /* the environment was longer than env_max: env holds its start */
	__u32 exec_flags;          /* EXEC_SCRIPT | EXEC_EXE_DELETED | EXEC_EXE_UPPER */
	struct cred_ids cred;
	struct cred_ids parent_cred;
	__u64 cap_effective;       /* the new program's capabilities, bit N = capability N */
	__u64 cap_permitted;
	struct str_ref exe;        /* path of the executed file */
	struct str_ref argv;       /* NUL-separated */
	struct str_ref run_path;   /* cwd */
	struct str_ref stdin_path;
	struct str_ref stdout_path;
	struct str_ref tty;
	struct str_ref ld_preload;
	struct str_ref ssh;        /* SSH_CONNECTION */
	struct str_ref filename;   /* the name exec was given */
	struct str_ref env;        /* NUL-separated NAME=value, at most env_max bytes */
	__u32 vpid;                /* pid inside the task's own pid namespace */
	__u32 pvpid;               /* the parent's pid in that namespace; 0 when the parent is outside it */
};

/* exec_event.exec_flags */
#define EXEC_SCRIPT       1  /* the kernel ran an interpreter for a #! file: filename is the script */
#define EXEC_EXE_DELETED  2  /* the executed file has no name left (unlinked before or while it ran) */
#define EXEC_EXE_UPPER    4  /* the executed file is in an overlay's upper layer: written in the container, not its image */

/* 42 connect, 43 accept, 49 bind. */
struct net_event {
	struct event_header hdr;
	struct inet_pair addr;
	__u32 fd;
	__u32 _pad;
};

/* 601: one DNS reply as received; userspace parses it. */
struct dns_event {
	struct event_header hdr;
	struct inet_pair addr;     /* sip/sport: this host; dip/dport: the resolver */
	struct str_ref payload;
	__u32 _pad;
};

/* File hooks. Which str_ref means what depends on the type (see FileEvent.java). */
struct file_event {
	struct event_header hdr;
	struct pid_tree tree;      /* depth 0 where the hook has no pid_tree */
	__u64 flags;
	__u64 ino;
	__u32 mode;
	__s32 fd;
	struct str_ref path;
	struct str_ref path2;
	struct str_ref sb_id;
	struct str_ref extra;
	__u64 dir_ino;             /* file_read/file_write: the inode of the file's directory */
	__u64 dev;                 /* file_read/file_write: the file's device, as the watch keys hold it */
};

/* What a 700 agent_tamper event saw: task_event.arg0. */
enum vigil_tamper {
	TAMPER_SIGNAL = 1,         /* arg1 signal, arg2 target tid, arg3 1 when sent to the whole group */
	TAMPER_PTRACE = 2,         /* arg1 request, arg2 target tid */
	TAMPER_PROC_MEM = 3,       /* arg1 open flags, arg2 target tid; text: the path opened */
	TAMPER_VM_WRITE = 4,       /* process_vm_writev: arg2 target pid */
};

/* Why a 714 mmap_exec file's place is writable by someone other than root: task_event.arg3, bits. */
enum vigil_mmap_place {
	PLACE_WORLD_WRITABLE_DIR = 1, /* a directory above it is writable by all (/tmp, /var/tmp, /dev/shm) */
	PLACE_OTHER_OWNER = 2,        /* it or a directory above it belongs to a user other than root and the caller */
	PLACE_MARKED_DIR = 4,         /* it lies below a directory userspace marked (home directories) */
	PLACE_MEMORY_FS = 8,          /* it is on tmpfs or ramfs */
	PLACE_FILE_WRITABLE = 16,     /* the file itself is writable by its group or by all */
};

/* What a 701 process_memory event saw: task_event.arg0; arg1 target pid, arg2 target start (0: unknown), arg3 open flags. */
enum vigil_memory_access {
	MEMORY_VM_WRITE = 1,       /* process_vm_writev */
	MEMORY_VM_READ = 2,        /* process_vm_readv */
	MEMORY_PROC_OPEN = 3,      /* /proc/PID/{mem,environ,maps} opened; text: the path */
};

/*
 * What a 708 namespace event saw: task_event.arg0; arg1 the flags (setns:
 * nstype), arg2 the joined namespace's inode, arg3 1 when the fd was a
 * namespace file (text: its kind, "mnt"…) and 0 otherwise (text: the fd's path).
 */
enum vigil_ns_action {
	NS_SETNS = 1,
	NS_UNSHARE = 2,
	NS_CLONE = 3,
	NS_CLONE3 = 4,
};

/* Process and signal hooks with a few numbers; meanings by type (see TaskEvent.java). */
struct task_event {
	struct event_header hdr;
	struct pid_tree tree;
	__s64 arg0;
	__s64 arg1;
	__s64 arg2;
	__s64 arg3;
	struct str_ref text;
	__u32 _pad;
};

/* 611: the task holds root credentials its parent did not have, with no set*id call on record. */
struct cred_event {
	struct event_header hdr;
	struct pid_tree tree;
	__u32 p_pid;
	__u32 _pad;
	struct cred_ids p_cred;
	struct cred_ids c_cred;
};

/* 612: a source reached scan_threshold distinct closed or opened ports within the window. */
struct scan_event {
	struct event_header hdr;
	struct inet_pair addr;     /* sip: the scanner; dip/dport: the last port probed here */
	__u32 ports;
	__u32 window_ms;
};

/* Userspace writes this at index 0 of the config map before attaching. */
struct vigil_config {
	__u32 agent_tgid;          /* never report the agent itself */
	__u32 argv_max;            /* argv bytes kept, <= VIGIL_STR_MAX */
	__u32 scan_threshold;      /* distinct ports */
	__u32 scan_window_ms;
	__u32 env_max;             /* environment bytes kept per exec, <= VIGIL_STR_MAX; 0: none */
	__u32 watch_trees;         /* 1 when some watched directory watches its whole subtree (opens walk up to check) */
	__u32 connect_repeats;     /* failed connects sent per process, destination, port and error in a window (0: all) */
	__u32 memory_repeats;      /* process_vm_readv/writev calls sent per caller, target and access in the same window (0: all) */
	__u64 rate_interval_ns;    /* per-process rate limit under pressure: ns per event (0: off) */
	__u64 rate_burst_ns;       /* how far ahead of its rate a process may run before it is limited */
	__u64 connect_window_ns;   /* the window of connect_repeats and memory_repeats */
};

/* What a watch entry reports (its map value): opens for reading, for writing, and for a directory, below it at any depth. */
enum vigil_watch {
	WATCH_READ = 1,
	WATCH_WRITE = 2,
	WATCH_TREE = 4,
};

/* Watched files, decided at open: a directory inode with an empty name watches every entry (or, with WATCH_TREE, everything below). */
struct watch_key {
	__u64 dir_ino;
	__u32 dev;
	char name[28];
};

/* Watched files by identity: a hard link or a bind mount of a watched file is the same inode. */
struct inode_key {
	__u64 ino;
	__u32 dev;
	__u32 _pad;
};

/* A watched path prefix for path-named calls (unlink, truncate): an LPM trie key over the path's bytes. */
#define WATCH_PREFIX_MAX 128
struct watch_prefix {
	__u32 prefixlen;           /* in bits */
	__u8 path[WATCH_PREFIX_MAX];
};

/* watched_change (710) actions: file_event.flags (FileEvent.WATCHED_ACTIONS names them, checked by WireCheck) */
enum vigil_watched_action {
	WATCHED_UNLINK = 1,
	WATCHED_RMDIR = 2,
	WATCHED_TRUNCATE = 3,
	WATCHED_RENAME = 4, /* path: the old name, path2: the new; either was watched */
	WATCHED_LINK = 5,   /* a hard link made to a watched file: path the watched name, path2 the link */
};

#define WATCH_READ  1
#define WATCH_WRITE 2

#endif
