/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The integrity object's maps (bpf/integrity.bpf.c), fixed-width types only:
 * dev.vigil.integrity.KernelReader reads them and checks its offsets against
 * this object's BTF.
 */
#ifndef VIGIL_INTEGRITY_H
#define VIGIL_INTEGRITY_H

#define INTEGRITY_CHUNK 4096
#define INTEGRITY_MAX_TASKS 32768

/* What the agent asks: an address and a length (integrity_read), or a descriptor number (integrity_file_ops). */
struct integrity_request {
	__u64 address;
	__u32 len;
	__u32 pad;
};

/* What a read returns: 0 or the negative errno of the read, and the bytes. */
struct integrity_chunk {
	__s64 result;
	__u32 len;
	__u32 pad;
	__u8 data[INTEGRITY_CHUNK];
};

/* integrity_file_ops's answer, in integrity_chunk.data. */
struct integrity_file_ops {
	__u64 file_ops;       /* file->f_op: the table the kernel dispatches through */
	__u64 iterate_shared; /* f_op->iterate_shared: a directory's readdir */
	__u64 read_iter;      /* f_op->read_iter */
	__u64 inode_ops;      /* file->f_inode->i_fop: the table the inode was made with */
};

/* One process (thread-group leader) of the kernel's own list. */
struct integrity_task {
	__u32 tgid;
	__u32 flags;          /* task->flags: PF_KTHREAD is 0x00200000 */
	__u64 start_boottime; /* ns since boot, as /proc/PID/stat's start time (in ticks) */
	char comm[16];
};

struct integrity_task_list {
	__u32 count;
	__u32 truncated; /* more than INTEGRITY_MAX_TASKS processes: the rest unlisted */
	__u32 complete;  /* the walk came back round to where it started */
	__u32 pad;
	struct integrity_task tasks[INTEGRITY_MAX_TASKS];
};

#endif
