/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Executable file mappings from writable places (714 mmap_exec): a library
 * loaded by dlopen, ld.so, LD_AUDIT, an interpreter's foreign-function
 * interface (ctypes, Perl's DynaLoader, Ruby's Fiddle, LuaJIT, bash's
 * enable -f), or a program run through the loader. None of these execs, so
 * sched_process_exec never sees them; each maps the file with PROT_EXEC.
 *
 * sys_exit_mmap, arguments from the saved registers: mmap has no
 * non-syscall tracepoint that names the file. Anonymous and non-executable
 * mappings end at the first test; an executable file mapping walks up to
 * MMAP_PLACE_DEPTH directories and is reported only when its place is
 * writable by someone other than root (enum vigil_mmap_place): the system's
 * libraries, root's and read-only, never leave the kernel. About ten such
 * mappings per exec (one per library).
 * Not covered: a file mapped writable and later made executable (the
 * sandbox mprotect hook sees that), 32-bit syscalls, and a library in a
 * root-owned directory that root itself wrote.
 */
#include "lib/common.h"

#define MMAP_PROT_EXEC 4
#define S_IWGRP 00020
#define S_IWOTH 00002
#define TMPFS_MAGIC 0x01021994
#define RAMFS_MAGIC 0x858458f6
#define MMAP_PLACE_DEPTH 12

/* Directories userspace marks as writable places whatever their owner and mode (home directories), by inode. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct inode_key);
	__type(value, __u32);
} writable_dirs SEC(".maps");

/* Why a mapped file's place is writable (enum vigil_mmap_place bits), 0 when it is the system's. */
static __always_inline __u32 mmap_place(struct file *f, __u32 caller_uid)
{
	struct inode *inode = f->f_inode;
	__u32 place = 0;
	__u64 magic = inode->i_sb->s_magic;
	if (magic == TMPFS_MAGIC || magic == RAMFS_MAGIC)
		place |= PLACE_MEMORY_FS;
	__u32 owner = inode->i_uid.val;
	if (inode->i_mode & (S_IWGRP | S_IWOTH))
		place |= PLACE_FILE_WRITABLE;
	if (owner != 0 && owner != caller_uid)
		place |= PLACE_OTHER_OWNER;
	/* the three directories nearest the file system's root: where the marked places are (/tmp, /var/tmp, /run/user) */
	__u64 top[3] = {};
	struct dentry *d = f->f_path.dentry;
	for (int i = 0; i < MMAP_PLACE_DEPTH; i++) {
		struct dentry *up = d->d_parent; /* direct loads: d is a BTF pointer */
		if (!up || up == d)
			break;
		d = up;
		struct inode *dir = d->d_inode;
		if (!dir)
			break;
		__u32 dir_owner = dir->i_uid.val;
		if (dir->i_mode & S_IWOTH)
			place |= PLACE_WORLD_WRITABLE_DIR;
		if (dir_owner != 0 && dir_owner != caller_uid)
			place |= PLACE_OTHER_OWNER;
		top[2] = top[1];
		top[1] = top[0];
		top[0] = dir->i_ino;
	}
	struct inode_key k = { .dev = inode->i_sb->s_dev };
	for (int i = 0; i < 3; i++) {
		k.ino = top[i];
		if (k.ino && bpf_map_lookup_elem(&writable_dirs, &k))
			place |= PLACE_MARKED_DIR;
	}
	return place;
}

SEC("tracepoint/syscalls/sys_exit_mmap")
int mmap__exit(struct trace_event_raw_sys_exit *ctx)
{
	struct syscall_args a;
	call_args(&a); /* addr, len, prot, flags, fd, offset */
	long fd = (int)a.a[4];
	if (!(a.a[2] & MMAP_PROT_EXEC) || fd < 0 || ctx->ret < 0 || !wanted(T_MMAP_EXEC))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct file *f = fd_file(task, fd);
	if (!f)
		return 0;
	__u32 place = mmap_place(f, task->cred->euid.val);
	if (!place)
		return 0;
	struct task_event *e = task_record(task, T_MMAP_EXEC, 0);
	if (!e)
		return 0;
	e->arg0 = a.a[2];
	e->arg1 = a.a[3];
	e->arg2 = f->f_inode->i_uid.val;
	e->arg3 = place;
	fill_tree(&e->tree, task);
	__u32 pos = put_file_path(e, sizeof(*e), &e->text, f, T_MMAP_EXEC);
	emit(e, pos);
	return 0;
}
