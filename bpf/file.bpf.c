/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Files: open (2), create_file (602), file_write/file_read of watched files
 * (608/609), write (1), chmod (90), rename (82), link (86), unlink (605),
 * rmdir (606), file capabilities set (705: setxattr, lsetxattr, fsetxattr,
 * setxattrat of security.capability), mkdir (711: mkdir, mkdirat).
 *
 * Exit tracepoints only: the call's arguments are read from its saved registers
 * (call_args), so no enter program puts every syscall on the enter slow path.
 * The open exit reads the new file itself, so FMODE_CREATED (602) and the
 * watch-list lookup (608/609: the file's own inode, then its directory inode
 * and name) are decided on what the kernel opened, whatever path spelling,
 * symlink, hard link or bind mount led there. Paths named by *at() calls are joined to their dirfd or
 * the cwd. io_uring's OPENAT, RENAMEAT, UNLINKAT, LINKAT, SYMLINKAT and MKDIRAT,
 * which fire no syscall tracepoint, are covered in iouring.bpf.c. Not covered:
 * 32-bit syscalls (int 0x80 fires no per-syscall tracepoint).
 */
#include "lib/common.h"

#define FMODE_READ 0x1
#define FMODE_WRITE 0x2
#define FMODE_CREATED 0x100000
#define O_WRONLY 01
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_EXCL 0200
#define AT_REMOVEDIR 0x200
#define RAW_PATH -1000 /* the "path" is a string to report as given (a symlink's target) */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct watch_key);
	__type(value, __u32);
} watched SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct inode_key);
	__type(value, __u32);
} watched_inodes SEC(".maps");

#define WATCH_TREE_DEPTH 16 /* directory levels an open walks up to find a watched tree */

/*
 * A bit for every (inode, device) some key of the two maps above names (a file's own inode, a
 * directory whose entries or tree are watched), at (inode ^ device) modulo the bits: userspace
 * (WatchHints, which reads the size from the map) sets it before it writes the key, and never
 * clears it. An open looks the maps up only where a bit is set: most opens are of files nobody
 * watches, and deciding so was half of an open's cost (docs/benchmarks.md). An array's look-up
 * is inlined: no helper call.
 */
#define WATCH_HINT_WORDS 1024 /* a power of two */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WATCH_HINT_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} watch_hints SEC(".maps");

static __always_inline bool hinted(__u64 ino, __u32 dev)
{
	__u32 bit = (__u32)((ino ^ dev) & (WATCH_HINT_WORDS * 64 - 1));
	__u32 word = bit >> 6;
	__u64 *w = bpf_map_lookup_elem(&watch_hints, &word);
	return w && (*w & (1ULL << (bit & 63)));
}

static __always_inline __u32 watch_bits(void *map, void *key)
{
	__u32 *v = bpf_map_lookup_elem(map, key);
	return v ? *v : 0;
}

/*
 * What watches an opened file (WATCH_READ|WATCH_WRITE bits; 0: nothing): its inode (any name,
 * link or mount of it), its directory's entries, its own name in its directory, or a tree above it.
 */
static __always_inline __u32 is_watched(struct file *f)
{
	struct inode_key ik = {};
	struct inode *inode = f->f_inode;
	ik.ino = inode->i_ino;
	ik.dev = inode->i_sb->s_dev;
	__u32 bits = hinted(ik.ino, ik.dev) ? watch_bits(&watched_inodes, &ik) : 0;
	struct watch_key k = {};
	struct dentry *d = f->f_path.dentry;
	struct dentry *p = d->d_parent;
	k.dir_ino = p->d_inode->i_ino;
	k.dev = d->d_sb->s_dev;
	if (hinted(k.dir_ino, k.dev)) {
		bits |= watch_bits(&watched, &k);
		bpf_probe_read_kernel_str(k.name, sizeof(k.name), d->d_name.name);
		bits |= watch_bits(&watched, &k);
	}
	/*
	 * A container's own copy of a watched file (its image's /etc/shadow) is another inode, whose
	 * keys userspace adds once it has seen the container start: until then, and for a program
	 * that opens it at once, a watched file's name anywhere on an overlay matches (key: directory
	 * 0, device 0). Userspace reads the path the event carries.
	 */
	if (!bits && inode->i_sb->s_magic == OVERLAYFS_SUPER_MAGIC && hinted(0, 0)) {
		if (!k.name[0]) /* not read above: the directory had no keys */
			bpf_probe_read_kernel_str(k.name, sizeof(k.name), d->d_name.name);
		k.dir_ino = 0;
		k.dev = 0;
		bits |= watch_bits(&watched, &k);
	}
	struct vigil_config *c = cfg();
	if ((bits & (WATCH_READ | WATCH_WRITE)) == (WATCH_READ | WATCH_WRITE) || !c || !c->watch_trees)
		return bits & (WATCH_READ | WATCH_WRITE);
	/* a tree: a directory above the parent (which was looked up as a directory already) */
	__builtin_memset(k.name, 0, sizeof(k.name));
	for (int i = 0; i < WATCH_TREE_DEPTH; i++) {
		struct dentry *up = p->d_parent; /* loads through the file's read-only cast: no helper call per level */
		if (!up || up == p)
			break;
		p = up;
		k.dir_ino = p->d_inode->i_ino;
		if (!hinted(k.dir_ino, k.dev))
			continue;
		__u32 v = watch_bits(&watched, &k);
		if (v & WATCH_TREE)
			bits |= v;
	}
	return bits & (WATCH_READ | WATCH_WRITE);
}

static __always_inline void emit_file(struct task_struct *task, struct file *f, __u32 type, long res, __u64 flags)
{
	struct file_event *e = file_record(task, type, res);
	if (!e)
		return;
	e->flags = flags;
	e->mode = BPF_CORE_READ(f, f_inode, i_mode);
	e->ino = BPF_CORE_READ(f, f_inode, i_ino);
	/* with the device and the directory, userspace finds which watch matched, and so the host's path */
	e->dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
	e->dir_ino = BPF_CORE_READ(f, f_path.dentry, d_parent, d_inode, i_ino);
	e->fd = res;
	__u32 pos = put_file_path(e, sizeof(*e), &e->path, f, type);
	pos = put_sb_id(e, pos, &e->sb_id, f, type);
	emit(e, pos);
}

#define OPEN_ASKED (O_CREAT | O_EXCL | O_TRUNC) /* flags the kernel drops from f_flags once the file is open */

/* Which open call an open exit serves (its attach cookie): where its arguments are. */
#define OPEN_OPEN 1
#define OPEN_OPENAT 2
#define OPEN_OPENAT2 3
#define OPEN_CREAT 4

/*
 * The flags open was called with, read back at syscall exit from the caller's saved
 * registers (call_args): only O_CREAT/O_EXCL/O_TRUNC are taken; the rest is in f_flags.
 */
static __always_inline __u64 open_call_flags(__u64 call)
{
	struct syscall_args r;
	call_args(&r);
	__u64 a = 0;
	if (call == OPEN_OPEN) /* open(path, flags, mode) */
		a = r.a[1];
	else if (call == OPEN_OPENAT) /* openat(dirfd, path, flags, mode) */
		a = r.a[2];
	else if (call == OPEN_OPENAT2) /* openat2(dirfd, path, how, size) */
		bpf_probe_read_user(&a, sizeof(a), &((struct open_how *)r.a[2])->flags);
	else if (call == OPEN_CREAT) /* creat(path, mode) */
		a = O_CREAT | O_WRONLY | O_TRUNC;
	return a & OPEN_ASKED;
}

/* 602 when the open created the file, 608/609 when it is watched: decided on the opened file itself. */
/*
 * The open's flags: the file's, with the ones the kernel drops (O_CREAT, O_EXCL,
 * O_TRUNC) as asked: read back from the open call `call` (an OPEN_* cookie; only
 * when something is reported), or given (`call` 0: io_uring's request holds them).
 */
static __always_inline __u64 opened_flags(struct file *f, __u64 call, __u64 asked)
{
	return f->f_flags | ((call ? open_call_flags(call) : asked) & OPEN_ASKED);
}

static __always_inline void report_opened(struct task_struct *task, struct file *f, long fd, __u64 call, __u64 asked)
{
	if (!f)
		return;
	__u32 fmode = f->f_mode;
	bool write = fmode & FMODE_WRITE;
	/* procfs, decided once: a sysctl (709), or a process's memory files (701, and 700 for the agent's) */
	struct proc_inode *pi = proc_inode_of(f);
	bool created = (fmode & FMODE_CREATED) && wanted(T_CREATE_FILE);
	__u32 type = write ? T_FILE_WRITE : T_FILE_READ;
	bool watched = wanted(type) && (is_watched(f) & (write ? WATCH_WRITE : WATCH_READ));
	if (!pi && !created && !watched)
		return;
	__u64 fflags = opened_flags(f, call, asked);
	if (pi) {
		if (BPF_CORE_READ(pi, sysctl_entry)) {
			if (write)
				report_sysctl_write(task, f, fflags, fd);
		} else {
			report_proc_memory(task, f, pi, fflags, fd, write);
		}
	}
	if (created)
		emit_file(task, f, T_CREATE_FILE, fd, fflags);
	if (watched)
		emit_file(task, f, type, fd, fflags);
}

/*
 * report_opened as a global function: the verifier checks it once per program, apart from the
 * caller's own paths. Inlined, it made open__exit the slowest program to load by far (110,000
 * instructions processed, 2.2 s to verify on this VM; now 24,000 and 0.25 s).
 */
__noinline int report_opened_once(__u64 task_addr, __u64 file_addr, long fd, __u64 call, __u64 asked)
{
	if (!task_addr)
		return 0;
	report_opened(as_task((void *)task_addr), as_file((void *)file_addr), fd, call, asked);
	return 0;
}

static __always_inline int open_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	long ret = ctx->ret;
	struct file *f = ret >= 0 ? fd_file(task, ret) : NULL;
	__u64 call = bpf_get_attach_cookie(ctx);
	report_opened_once(address_of(task), address_of(f), ret, call, 0);
	if (!wanted(T_OPEN))
		return 0;
	struct syscall_args a;
	call_args(&a);
	struct file_event *e = file_record(task, T_OPEN, ret);
	if (!e)
		return 0;
	e->fd = ret;
	long dirfd = AT_FDCWD;
	const char *name = (void *)a.a[0];
	if (call == OPEN_OPEN) {
		e->flags = a.a[1];
		e->mode = a.a[2];
	} else if (call == OPEN_CREAT) {
		e->flags = O_CREAT | O_WRONLY | O_TRUNC;
		e->mode = a.a[1];
	} else {
		dirfd = (int)a.a[0];
		name = (void *)a.a[1];
		if (call == OPEN_OPENAT) {
			e->flags = a.a[2];
			e->mode = a.a[3];
		} else {
			struct open_how how = {};
			bpf_probe_read_user(&how, sizeof(how), (void *)a.a[2]);
			e->flags = how.flags;
			e->mode = how.mode;
		}
	}
	__u32 pos = f ? put_file_path(e, sizeof(*e), &e->path, f, T_OPEN) : put_at_path(e, sizeof(*e), &e->path, dirfd, name, T_OPEN);
	emit(e, pos);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
ATTACH_WITH(open__exit_open, "syscalls/sys_exit_open", OPEN_OPEN)
ATTACH_WITH(open__exit_openat, "syscalls/sys_exit_openat", OPEN_OPENAT)
ATTACH_WITH(open__exit_openat2, "syscalls/sys_exit_openat2", OPEN_OPENAT2)
ATTACH_WITH(open__exit_creat, "syscalls/sys_exit_creat", OPEN_CREAT)
int open__exit(struct trace_event_raw_sys_exit *ctx) { return open_exit(ctx); }

/* write (sandbox): regular files only, with the first bytes written. Cookie: 2 for writev (an iovec). */
#define WRITE_PLAIN 1
#define WRITE_VECTOR 2

SEC("tracepoint/syscalls/sys_exit_write")
ATTACH_WITH(write__exit_write, "syscalls/sys_exit_write", WRITE_PLAIN)
ATTACH_WITH(write__exit_pwrite64, "syscalls/sys_exit_pwrite64", WRITE_PLAIN)
ATTACH_WITH(write__exit_writev, "syscalls/sys_exit_writev", WRITE_VECTOR)
int write__exit(struct trace_event_raw_sys_exit *ctx)
{
	long ret = ctx->ret;
	if (ret <= 0 || !wanted(T_WRITE))
		return 0;
	struct syscall_args a;
	call_args(&a);
	struct task_struct *task = bpf_get_current_task_btf();
	/* regular files only: writes to pipes, sockets and ttys cost one lookup */
	struct file *f = fd_file(task, (int)a.a[0]);
	if (!f || (inode_mode(f) & S_IFMT) != S_IFREG)
		return 0;
	struct file_event *e = file_record(task, T_WRITE, ret);
	if (!e)
		return 0;
	e->fd = a.a[0];
	const void *buf = (void *)a.a[1];
	if (bpf_get_attach_cookie(ctx) == WRITE_VECTOR) {
		struct iovec iov = {};
		bpf_probe_read_user(&iov, sizeof(iov), buf);
		buf = iov.iov_base;
	}
	__u32 n = ret < VIGIL_WRITE_PREVIEW ? ret : VIGIL_WRITE_PREVIEW;
	__u32 pos = put_file_path(e, sizeof(*e), &e->path, f, T_WRITE);
	pos = put_bytes(e, pos, &e->extra, buf, n, true, T_WRITE);
	emit(e, pos);
	return 0;
}

/*
 * Path-naming calls: one exit program serves them all. The attach cookie says
 * which call it is (its argument layout), and the arguments, read from the
 * registers, are normalised into (dirfd1, path1, dirfd2, path2, number).
 * path1 == 0 means dirfd1 is an fd to report (fchmod, fsetxattr).
 */
#define PATHS_CHMOD 1
#define PATHS_FCHMOD 2
#define PATHS_FCHMODAT 3
#define PATHS_RENAME 4
#define PATHS_RENAMEAT 5
#define PATHS_RENAMEAT2 6
#define PATHS_LINK 7
#define PATHS_LINKAT 8
#define PATHS_SYMLINK 9
#define PATHS_SYMLINKAT 10
#define PATHS_UNLINK 11
#define PATHS_UNLINKAT 12
#define PATHS_RMDIR 13
#define PATHS_SETXATTR 14
#define PATHS_FSETXATTR 15
#define PATHS_SETXATTRAT 16
#define PATHS_MKDIR 17
#define PATHS_MKDIRAT 18

static __always_inline bool is_file_caps(const char *name);

/*
 * Is the watch list in use? Userspace keys each watched file by its inode as well as its name
 * (a hard link is the same file), and a rename onto a watched name gives it a new inode to key.
 */
static __always_inline bool watch_kept(void)
{
	return wanted(T_WATCHED_CHANGE) || wanted(T_FILE_READ) || wanted(T_FILE_WRITE);
}

/* The call's type and normalised arguments in `n` (a[0..4]); false when it is not reported. */
static __always_inline bool paths_of(__u64 layout, struct syscall_args *n, __u32 *type)
{
	struct syscall_args r;
	call_args(&r);
	__u64 *a = r.a;
	long d1 = AT_FDCWD, d2 = AT_FDCWD;
	__u64 p1 = 0, p2 = 0, num = 0;
	switch (layout) {
	case PATHS_CHMOD: *type = T_CHMOD; p1 = a[0]; num = a[1]; break;
	case PATHS_FCHMOD: *type = T_CHMOD; d1 = (int)a[0]; num = a[1]; break;
	case PATHS_FCHMODAT: *type = T_CHMOD; d1 = (int)a[0]; p1 = a[1]; num = a[2]; break;
	case PATHS_RENAME: *type = T_RENAME; p1 = a[0]; p2 = a[1]; break;
	case PATHS_RENAMEAT: *type = T_RENAME; d1 = (int)a[0]; p1 = a[1]; d2 = (int)a[2]; p2 = a[3]; break;
	case PATHS_RENAMEAT2: *type = T_RENAME; d1 = (int)a[0]; p1 = a[1]; d2 = (int)a[2]; p2 = a[3]; num = a[4]; break;
	case PATHS_LINK: *type = T_LINK; p1 = a[0]; p2 = a[1]; break;
	case PATHS_LINKAT: *type = T_LINK; d1 = (int)a[0]; p1 = a[1]; d2 = (int)a[2]; p2 = a[3]; num = a[4]; break;
	case PATHS_SYMLINK: *type = T_LINK; d1 = RAW_PATH; p1 = a[0]; p2 = a[1]; num = 1; break;
	case PATHS_SYMLINKAT: *type = T_LINK; d1 = RAW_PATH; p1 = a[0]; d2 = (int)a[1]; p2 = a[2]; num = 1; break;
	case PATHS_UNLINK: *type = T_UNLINK; p1 = a[0]; break;
	case PATHS_UNLINKAT: *type = (a[2] & AT_REMOVEDIR) ? T_RMDIR : T_UNLINK; d1 = (int)a[0]; p1 = a[1]; num = a[2]; break;
	case PATHS_RMDIR: *type = T_RMDIR; p1 = a[0]; break;
	case PATHS_MKDIR: *type = T_MKDIR; p1 = a[0]; num = a[1]; break;
	case PATHS_MKDIRAT: *type = T_MKDIR; d1 = (int)a[0]; p1 = a[1]; num = a[2]; break;
	case PATHS_SETXATTR: *type = T_FILE_CAPS; p1 = a[0]; if (!is_file_caps((void *)a[1])) return false; break;
	case PATHS_FSETXATTR: *type = T_FILE_CAPS; d1 = (int)a[0]; if (!is_file_caps((void *)a[1])) return false; break;
	case PATHS_SETXATTRAT: *type = T_FILE_CAPS; d1 = (int)a[0]; p1 = a[1]; if (!is_file_caps((void *)a[3])) return false; break;
	default: return false;
	}
	n->a[0] = d1;
	n->a[1] = p1;
	n->a[2] = d2;
	n->a[3] = p2;
	n->a[4] = num;
	/* unlink and rmdir are also looked at for the default set's watched_change, renames and links for the watch list's upkeep */
	return wanted(*type) || ((*type == T_UNLINK || *type == T_RMDIR) && wanted(T_WATCHED_CHANGE))
		|| ((*type == T_RENAME || *type == T_LINK) && watch_kept());
}

/* Watched path prefixes ("/var/log/", "/etc/shadow\0"), filled by userspace from the watch list. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__type(key, struct watch_prefix);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} watched_prefixes SEC(".maps");

struct odd_scan {
	__u8 *path;
	bool odd;
};

/* One byte of the scan for "//", "/./" and "/../": stops at the first. */
static long odd_step(__u32 i, struct odd_scan *s)
{
	if (i >= WATCH_PREFIX_MAX - 3)
		return 1;
	__u8 *p = s->path + i;
	if (p[0] != '/')
		return p[0] == 0;
	__u8 a = p[1], b = p[2], c = p[3];
	if (a == '/' || (a == '.' && (b == '/' || b == 0 || (b == '.' && (c == '/' || c == 0))))) {
		s->odd = true;
		return 1;
	}
	return 0;
}

/*
 * Does the path just written at `ref` start with a watched prefix? Decided on
 * the path as named, joined to its directory fd or the cwd; so a path that is
 * not in normal form ("//", "/./", "/../") counts as watched: a spelling must
 * not be a way around the list. A route through a symlinked
 * directory is not seen (the file is gone at exit; there is no inode to ask).
 */
static __always_inline bool path_watched(void *rec, struct str_ref *ref)
{
	struct watch_prefix *k = (void *)path_area(); /* scratch: the key is too large for the stack */
	if (!k)
		return false;
	__builtin_memset(k, 0, sizeof(*k));
	__u32 len = ref->len;
	if (len >= WATCH_PREFIX_MAX)
		len = WATCH_PREFIX_MAX - 1;
	bpf_probe_read_kernel(k->path, len & (WATCH_PREFIX_MAX - 1), rec + (ref->off & (VIGIL_RECORD_MAX - 1)));
	k->prefixlen = (len + 1) * 8; /* the NUL after the path: an exact file entry matches only itself */
	if (bpf_map_lookup_elem(&watched_prefixes, k))
		return true;
	struct odd_scan scan = {.path = k->path};
	bpf_loop(WATCH_PREFIX_MAX - 3, odd_step, &scan, 0); /* a callback: verified once, not per byte */
	return scan.odd;
}

/*
 * As watched_change, a rename from or onto a watched path (`action` WATCHED_RENAME: a log moved
 * away, a credential file replaced, as passwd, useradd and editors write a new file and rename it
 * over the old), or a hard link made to a watched file (WATCHED_LINK). The record is the one in
 * the scratch area, with both names in it. Userspace keys a replaced name's new inode when it sees
 * one, so that a hard link made to the new file right after is still that file, and keeps the key
 * of an inode someone linked, so that the link still reads as the watched file once the name is
 * replaced. A global function: the verifier checks it once, apart from its callers' paths.
 */
__noinline int report_watched_name(__u64 task_addr, __u32 pos, __u32 action)
{
	struct file_event *e = record_area();
	if (!e || !task_addr || !watch_kept())
		return 0;
	if (!path_watched(e, &e->path) && (action == WATCHED_LINK || !path_watched(e, &e->path2)))
		return 0;
	__u32 type = e->hdr.type;
	__u64 flags = e->flags;
	e->hdr.type = T_WATCHED_CHANGE;
	e->flags = action;
	fill_tree(&e->tree, as_task((void *)task_addr));
	emit(e, pos);
	e->hdr.type = type;
	e->flags = flags;
	return 0;
}

static __always_inline __u32 put_named(void *e, __u32 pos, struct str_ref *ref, long dirfd, const char *p, __u32 type)
{
	if (dirfd == RAW_PATH)
		return put_str(e, pos, ref, p, VIGIL_STR_MAX, true, type);
	return put_at_path(e, pos, ref, dirfd, p, type);
}

static __always_inline int paths_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct syscall_args a = {};
	__u32 type = 0;
	if (!paths_of(bpf_get_attach_cookie(ctx), &a, &type))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	long ret = ctx->ret;
	struct file_event *e = file_record(task, type, ret);
	if (!e)
		return 0;
	e->flags = a.a[4];
	e->mode = a.a[4];
	if (type == T_CHMOD || type == T_FILE_CAPS || type == T_MKDIR)
		fill_tree(&e->tree, task);
	__u32 pos = sizeof(*e);
	if (a.a[1]) {
		pos = put_named(e, pos, &e->path, a.a[0], (void *)a.a[1], type);
	} else {
		struct file *f = fd_file(task, (int)a.a[0]);
		pos = put_file_path(e, pos, &e->path, f, type);
		pos = put_sb_id(e, pos, &e->sb_id, f, type);
	}
	if (a.a[3])
		pos = put_named(e, pos, &e->path2, a.a[2], (void *)a.a[3], type);
	if (type == T_RENAME || type == T_LINK) {
		if (ret == 0 && a.a[0] != RAW_PATH) /* a symlink is read through the name it points at */
			report_watched_name(address_of(task), pos, type == T_RENAME ? WATCHED_RENAME : WATCHED_LINK);
		if (wanted(type))
			emit(e, pos);
		return 0;
	}
	if (type == T_UNLINK || type == T_RMDIR) {
		/* 710 for watched paths (default set); 605/606 for every path (sandbox) */
		if (ret == 0 && wanted(T_WATCHED_CHANGE) && path_watched(e, &e->path)) {
			e->hdr.type = T_WATCHED_CHANGE;
			e->flags = type == T_RMDIR ? WATCHED_RMDIR : WATCHED_UNLINK;
			fill_tree(&e->tree, task);
			emit(e, pos);
			e->hdr.type = type;
			e->flags = a.a[4];
		}
		if (wanted(type))
			emit(e, pos);
		return 0;
	}
	emit(e, pos);
	return 0;
}

/* The exit of every path-naming call; paths_of() reads and normalises its arguments by the attach cookie. */
SEC("tracepoint/syscalls/sys_exit_chmod")
ATTACH_WITH(chmod__exit_chmod, "syscalls/sys_exit_chmod", PATHS_CHMOD)
ATTACH_WITH(chmod__exit_fchmod, "syscalls/sys_exit_fchmod", PATHS_FCHMOD)
ATTACH_WITH(chmod__exit_fchmodat, "syscalls/sys_exit_fchmodat", PATHS_FCHMODAT)
ATTACH_WITH(chmod__exit_fchmodat2, "syscalls/sys_exit_fchmodat2", PATHS_FCHMODAT)
ATTACH_WITH(rename__exit_rename, "syscalls/sys_exit_rename", PATHS_RENAME)
ATTACH_WITH(rename__exit_renameat, "syscalls/sys_exit_renameat", PATHS_RENAMEAT)
ATTACH_WITH(rename__exit_renameat2, "syscalls/sys_exit_renameat2", PATHS_RENAMEAT2)
ATTACH_WITH(link__exit_link, "syscalls/sys_exit_link", PATHS_LINK)
ATTACH_WITH(link__exit_linkat, "syscalls/sys_exit_linkat", PATHS_LINKAT)
ATTACH_WITH(link__exit_symlink, "syscalls/sys_exit_symlink", PATHS_SYMLINK)
ATTACH_WITH(link__exit_symlinkat, "syscalls/sys_exit_symlinkat", PATHS_SYMLINKAT)
ATTACH_WITH(unlink__exit_unlink, "syscalls/sys_exit_unlink", PATHS_UNLINK)
ATTACH_WITH(unlink__exit_unlinkat, "syscalls/sys_exit_unlinkat", PATHS_UNLINKAT)
ATTACH_WITH(unlink__exit_rmdir, "syscalls/sys_exit_rmdir", PATHS_RMDIR)
ATTACH_WITH(mkdir__exit_mkdir, "syscalls/sys_exit_mkdir", PATHS_MKDIR)
ATTACH_WITH(mkdir__exit_mkdirat, "syscalls/sys_exit_mkdirat", PATHS_MKDIRAT)
ATTACH_WITH(fcaps__exit_setxattr, "syscalls/sys_exit_setxattr", PATHS_SETXATTR)
ATTACH_WITH(fcaps__exit_lsetxattr, "syscalls/sys_exit_lsetxattr", PATHS_SETXATTR)
ATTACH_WITH(fcaps__exit_fsetxattr, "syscalls/sys_exit_fsetxattr", PATHS_FSETXATTR)
ATTACH_WITH(fcaps__exit_setxattrat, "syscalls/sys_exit_setxattrat", PATHS_SETXATTRAT)
int paths__exit(struct trace_event_raw_sys_exit *ctx) { return paths_exit(ctx); }





/* 705 file capabilities: the security.capability attribute set, whichever setxattr call set it. */
static __always_inline bool is_file_caps(const char *name)
{
	char n[20] = {};
	bpf_probe_read_user_str(n, sizeof(n), name);
	const char want[20] = "security.capability";
	for (int i = 0; i < 20; i++)
		if (n[i] != want[i])
			return false;
	return true;
}


/*
 * 710 watched_change, truncate side: truncate(2) by path is decided on the
 * path (watched prefixes), ftruncate(2) on the open file itself (its inode or
 * its directory and name, as for 608/609). O_TRUNC opens are file_write (608).
 */
SEC("tracepoint/syscalls/sys_exit_truncate")
int watched__exit_truncate(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret != 0 || !wanted(T_WATCHED_CHANGE))
		return 0;
	struct syscall_args a;
	call_args(&a); /* path, length */
	struct task_struct *task = bpf_get_current_task_btf();
	struct file_event *e = file_record(task, T_WATCHED_CHANGE, ctx->ret);
	if (!e)
		return 0;
	__u32 pos = put_named(e, sizeof(*e), &e->path, AT_FDCWD, (void *)a.a[0], T_WATCHED_CHANGE);
	if (!path_watched(e, &e->path))
		return 0;
	e->flags = WATCHED_TRUNCATE;
	e->ino = a.a[1];
	fill_tree(&e->tree, task);
	emit(e, pos);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_ftruncate")
int watched__exit_ftruncate(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret != 0 || !wanted(T_WATCHED_CHANGE))
		return 0;
	struct syscall_args a;
	call_args(&a); /* fd, length */
	struct task_struct *task = bpf_get_current_task_btf();
	struct file *f = fd_file(task, (int)a.a[0]);
	if (!f || !is_watched(f))
		return 0;
	struct file_event *e = file_record(task, T_WATCHED_CHANGE, 0);
	if (!e)
		return 0;
	e->flags = WATCHED_TRUNCATE;
	e->ino = a.a[1]; /* the new length */
	e->fd = a.a[0];
	fill_tree(&e->tree, task);
	__u32 pos = put_file_path(e, sizeof(*e), &e->path, f, T_WATCHED_CHANGE);
	emit(e, pos);
	return 0;
}
