/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Process lifecycle: exec (59), usermode helpers (607), fork (1000) and exit
 * (60), sent only when their hooks are on, and privilege escalation (611).
 *
 * Why these hook points: sched_process_exec fires for every successful exec
 * whatever the route (execve, execveat/fexecve, binfmt_misc, a usermode helper
 * started by the kernel), and it is not a syscall tracepoint, so it costs
 * nothing on other syscalls. It cannot see failures, so sys_exit of execve and
 * execveat adds failed attempts. Not covered: a 32-bit int 0x80 execve that
 * fails (sched_process_exec still sees it when it succeeds).
 */
#include "lib/common.h"
#include "lib/creds.h"

struct env_scan {
	__u64 cur, end;
	__u64 ld_preload, ssh;
	__u8 *tmp;
};

static __always_inline bool has_prefix(const __u8 *s, const char *prefix, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] != prefix[i])
			return false;
	return true;
}

/* One env string per call: note where LD_PRELOAD= and SSH_CONNECTION= start. */
static long env_step(__u32 i, struct env_scan *s)
{
	if (s->cur >= s->end || !s->tmp)
		return 1;
	long n = bpf_probe_read_user_str(s->tmp, VIGIL_STR_MAX, (void *)s->cur);
	if (n <= 0)
		return 1;
	if (n > 11 && has_prefix(s->tmp, "LD_PRELOAD=", 11))
		s->ld_preload = s->cur + 11;
	if (n > 15 && has_prefix(s->tmp, "SSH_CONNECTION=", 15))
		s->ssh = s->cur + 15;
	s->cur += n;
	return 0;
}

static __always_inline void fd_info_of(struct file *f, struct fd_info *info)
{
	info->kind = FD_NONE;
	info->ino = 0;
	if (!f)
		return;
	__u32 mode = inode_mode(f) & S_IFMT;
	info->ino = BPF_CORE_READ(f, f_inode, i_ino);
	info->kind = mode == S_IFSOCK ? FD_SOCKET : mode == S_IFIFO ? FD_PIPE : mode == S_IFCHR ? FD_CHAR
		   : mode == S_IFREG ? FD_FILE : FD_OTHER;
}

/*
 * First inet socket on fd 0 or 1 of the task or one of its 4 nearest ancestors; returns the
 * tgid holding it (0: none). A global function (verified once) on direct loads. Ancestors
 * mostly hold the very files their children inherited (a terminal, a pipe, /dev/null): a file
 * already found not to be an inet socket is not read again.
 */
__noinline __u32 find_socket_peer_once(struct inet_pair *peer, __u64 task_addr)
{
	struct task_struct *task = as_task((void *)task_addr);
	if (!peer)
		return 0;
	struct file *seen0 = NULL, *seen1 = NULL;
#pragma unroll
	for (int level = 0; level < 5; level++) {
		if (!task)
			return 0;
#pragma unroll
		for (int fd = 0; fd < 2; fd++) {
			struct file *f = fd_file(task, fd);
			if (!f || f == seen0 || f == seen1)
				continue;
			if (sock_pair(file_sock(f), peer))
				return task->tgid;
			if (fd == 0)
				seen0 = f;
			else
				seen1 = f;
		}
		struct task_struct *parent = task->real_parent;
		if (!parent || parent->tgid <= 1)
			return 0;
		task = parent;
	}
	return 0;
}

static __always_inline void find_socket_peer(struct exec_event *e, struct task_struct *task)
{
	e->socket_pid = find_socket_peer_once(&e->peer, address_of(task));
}


/*
 * Whether an overlay inode has an upper dentry: a file made or changed in the container's
 * writable layer (container drift) rather than one of its image's layers. The overlay inode wraps
 * the VFS inode the file points at; read through probe reads, as it is reached by subtraction.
 */
static __always_inline bool exe_in_upper_layer(struct inode *inode)
{
	if (!inode || inode->i_sb->s_magic != OVERLAYFS_SUPER_MAGIC)
		return false;
	unsigned long at = (unsigned long)inode - bpf_core_field_offset(struct ovl_inode, vfs_inode);
	struct ovl_inode *oi = (struct ovl_inode *)at;
	return BPF_CORE_READ(oi, __upperdentry) != NULL;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(process__exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct vigil_config *c = cfg();
	if (!c || c->agent_tgid == (__u32)(bpf_get_current_pid_tgid() >> 32))
		return 0;
	struct exec_event *e = record_area();
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	struct task_struct *parent = task->real_parent;
	fill_header(&e->hdr, task, T_EXECVE, 0);
	fill_tree(&e->tree, task);
	fill_cred(&e->cred, task);
	fill_cred(&e->parent_cred, parent);
	fill_caps(task, &e->cap_effective, &e->cap_permitted);
	fill_vpids(task, &e->vpid, &e->pvpid);
	e->parent_kthread = (parent->flags & PF_KTHREAD) != 0;
	find_socket_peer(e, task);

	struct file *in = fd_file(task, 0), *out = fd_file(task, 1);
	fd_info_of(in, &e->stdin_info);
	fd_info_of(out, &e->stdout_info);

	__u32 pos = sizeof(*e);
	struct mm_struct *mm = task->mm;
	struct file *exe = mm->exe_file;
	pos = put_file_path(e, pos, &e->exe, exe, T_EXECVE);
	pos = put_str(e, pos, &e->filename, bprm->filename, VIGIL_STR_MAX, false, T_EXECVE);
	/* binfmt_script points interp at the interpreter; otherwise it is the filename itself */
	if (bprm->interp != bprm->filename)
		e->exec_flags |= EXEC_SCRIPT;
	if (exe && exe->f_inode->i_nlink == 0)
		e->exec_flags |= EXEC_EXE_DELETED;
	if (exe && exe_in_upper_layer(exe->f_inode))
		e->exec_flags |= EXEC_EXE_UPPER;

	__u64 arg_start = mm->arg_start, arg_end = mm->arg_end;
	__u64 argv_len = arg_end - arg_start;
	__u32 argv_max = c->argv_max;
	if (argv_len > argv_max) {
		argv_len = argv_max;
		e->argv_truncated = 1;
	}
	pos = put_bytes(e, pos, &e->argv, (void *)arg_start, argv_len, true, T_EXECVE);

	struct fs_struct *fs = task->fs;
	pos = put_dentry_path(e, pos, &e->run_path, fs->pwd.dentry, fs->pwd.mnt, T_EXECVE);
	if (e->stdin_info.kind == FD_FILE || e->stdin_info.kind == FD_CHAR)
		pos = put_file_path(e, pos, &e->stdin_path, in, T_EXECVE);
	if (e->stdout_info.kind == FD_FILE || e->stdout_info.kind == FD_CHAR)
		pos = put_file_path(e, pos, &e->stdout_path, out, T_EXECVE);
	struct tty_struct *tty = task->signal->tty;
	if (tty)
		pos = put_str(e, pos, &e->tty, __builtin_preserve_access_index(&tty->name), 64, false, T_EXECVE);

	/* the environment, bounded; when it is cut, LD_PRELOAD and SSH_CONNECTION are searched for wherever they are */
	__u64 env_start = mm->env_start, env_len = mm->env_end - env_start;
	__u32 env_max = c->env_max;
	if (env_len > env_max) {
		env_len = env_max;
		e->env_truncated = 1;
		struct env_scan scan = { .cur = env_start, .end = mm->env_end, .tmp = path_area() };
		bpf_loop(2048, env_step, &scan, 0);
		if (scan.ld_preload)
			pos = put_str(e, pos, &e->ld_preload, (void *)scan.ld_preload, VIGIL_STR_MAX, true, T_EXECVE);
		if (scan.ssh)
			pos = put_str(e, pos, &e->ssh, (void *)scan.ssh, 256, true, T_EXECVE);
	}
	pos = put_bytes(e, pos, &e->env, (void *)env_start, env_len, true, T_EXECVE);

	emit(e, pos);
	note_setuid_exec(task);
	check_privesc(task, T_EXECVE);
	return 0;
}

/*
 * Failed execs: sched_process_exec never fires for them. A failed exec leaves
 * the caller's registers as they were, so its arguments are read there; the
 * cookie says execveat (dirfd, name, argv) from execve (name, argv).
 */
SEC("tracepoint/syscalls/sys_exit_execve")
ATTACH_WITH(process__exit_execve, "syscalls/sys_exit_execve", 0)
ATTACH_WITH(process__exit_execveat, "syscalls/sys_exit_execveat", 1)
int process__exit_failed(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret >= 0 || !wanted(T_EXECVE))
		return 0;
	struct syscall_args a;
	call_args(&a);
	if (!bpf_get_attach_cookie(ctx)) { /* execve: as execveat(AT_FDCWD, …) */
		a.a[2] = a.a[1];
		a.a[1] = a.a[0];
		a.a[0] = (__u64)AT_FDCWD;
	}
	struct exec_event *e = record_area();
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	struct task_struct *task = bpf_get_current_task_btf();
	fill_header(&e->hdr, task, T_EXECVE, 0);
	e->hdr.res = ctx->ret;
	fill_tree(&e->tree, task);
	fill_cred(&e->cred, task);
	fill_caps(task, &e->cap_effective, &e->cap_permitted);
	fill_vpids(task, &e->vpid, &e->pvpid);
	const char *name = (void *)a.a[1];
	const char *const *argv = (void *)a.a[2];
	__u32 pos = sizeof(*e);
	pos = put_at_path(e, pos, &e->exe, (long)(int)a.a[0], name, T_EXECVE);
	pos = put_str(e, pos, &e->filename, name, VIGIL_STR_MAX, true, T_EXECVE);
	e->argv.off = pos;
	for (int i = 0; i < 16; i++) {
		const char *arg = NULL;
		if (bpf_probe_read_user(&arg, sizeof(arg), &argv[i]) || !arg)
			break;
		struct str_ref one;
		pos = put_str(e, pos, &one, arg, 1024, true, T_EXECVE);
		if (pos >= VIGIL_RECORD_MAX - 1) {
			e->argv_truncated = 1; /* the record is full: never wrap onto its start */
			break;
		}
		barrier_var(pos);
		pos &= VIGIL_RECORD_MAX - 1;
		((char *)e)[pos] = 0;
		pos++;
		e->argc = i + 1;
		if (i == 15)
			e->argv_truncated = 1;
	}
	e->argv.len = pos - e->argv.off;
	struct fs_struct *fs = BPF_CORE_READ(task, fs);
	pos = put_dentry_path(e, pos, &e->run_path, BPF_CORE_READ(fs, pwd.dentry), BPF_CORE_READ(fs, pwd.mnt), T_EXECVE);
	emit(e, pos);
	return 0;
}

/*
 * A fork is where a hidden credential change shows. Its record (and the exit's below) is sent
 * only when its hook is on: the process cache enters a process that forked without exec from
 * its first event, so by default a fork+exec+exit costs one record, not three.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(process__fork, struct task_struct *parent, struct task_struct *child)
{
	if (child->pid != child->tgid)
		return 0; /* a thread, not a process */
	struct vigil_config *c = cfg();
	if (!c || c->agent_tgid == parent->tgid)
		return 0;
	check_privesc(parent, T_FORK);
	if (!wanted(T_FORK))
		return 0;
	struct task_event *e = record_area();
	if (!e)
		return 0;
	fill_header(&e->hdr, child, T_FORK, sizeof(*e));
	e->hdr.ppid = parent->tgid;
	e->tree.depth = 0;
	e->arg0 = parent->tgid;
	e->arg1 = e->arg2 = e->arg3 = 0;
	e->text.off = sizeof(*e);
	e->text.len = 0;
	emit(e, sizeof(*e));
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(process__exit, struct task_struct *task, bool group_dead)
{
	if (!group_dead)
		return 0;
	__u32 tgid = task->tgid;
	struct vigil_config *c = cfg();
	if (!c || c->agent_tgid == tgid || !wanted(T_EXIT))
		return 0;
	struct task_event *e = record_area();
	if (!e)
		return 0;
	fill_header(&e->hdr, task, T_EXIT, sizeof(*e));
	e->tree.depth = 0;
	e->arg0 = task->exit_code;
	e->arg1 = e->arg2 = e->arg3 = 0;
	e->text.off = sizeof(*e);
	e->text.len = 0;
	emit(e, sizeof(*e));
	return 0;
}
