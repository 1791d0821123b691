/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mounts (165).
 *
 * mount(2) and move_mount(2) (the last step of the new mount API, where a
 * tree becomes visible) are both hooked; fsopen/fsconfig alone change no
 * namespace. Exits only, arguments from the saved registers. Not covered:
 * 32-bit syscalls.
 */
#include "lib/common.h"

/* mount(2) (cookie 0) and move_mount(2) (cookie 1), at exit. */
SEC("tracepoint/syscalls/sys_exit_mount")
ATTACH_WITH(mount__exit_mount, "syscalls/sys_exit_mount", 0)
ATTACH_WITH(mount__exit_move_mount, "syscalls/sys_exit_move_mount", 1)
int mount__exit(struct trace_event_raw_sys_exit *ctx)
{
	if (!wanted(T_MOUNT))
		return 0;
	long ret = ctx->ret;
	struct syscall_args a;
	call_args(&a);
	struct task_struct *task = bpf_get_current_task_btf();
	struct file_event *e = file_record(task, T_MOUNT, ret);
	if (!e)
		return 0;
	fill_tree(&e->tree, task);
	__u32 pos = sizeof(*e);
	if (!bpf_get_attach_cookie(ctx)) { /* mount(dev, dir, type, flags, data) */
		e->flags = a.a[3];
		pos = put_at_path(e, pos, &e->path, AT_FDCWD, (void *)a.a[1], T_MOUNT);
		pos = put_str(e, pos, &e->path2, (void *)a.a[0], 256, true, T_MOUNT);
		pos = put_str(e, pos, &e->extra, (void *)a.a[2], 64, true, T_MOUNT);
	} else { /* move_mount(from_dfd, from_path, to_dfd, to_path, flags) */
		e->flags = a.a[4];
		pos = put_at_path(e, pos, &e->path, (int)a.a[2], (void *)a.a[3], T_MOUNT);
		struct file *from = fd_file(task, (int)a.a[0]);
		if (from) {
			struct super_block *sb = BPF_CORE_READ(from, f_path.mnt, mnt_sb);
			pos = put_str(e, pos, &e->path2, __builtin_preserve_access_index(&sb->s_id), 32, false, T_MOUNT);
			pos = put_str(e, pos, &e->extra, BPF_CORE_READ(sb, s_type, name), 64, false, T_MOUNT);
		}
	}
	emit(e, pos);
	return 0;
}
