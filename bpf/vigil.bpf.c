/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Vigil's single BPF object: one compilation unit so that every hook family
 * shares the ring buffer, the loss counters and the switch table. Each family
 * lives in its own file, included here.
 */
#include "tamper.bpf.c"
#include "memory.bpf.c"
#include "tunable.bpf.c"
#include "process.bpf.c"
#include "creds.bpf.c"
#include "net.bpf.c"
#include "file.bpf.c"
#include "task.bpf.c"
#include "mount.bpf.c"
#include "memfd.bpf.c"
#include "mmap.bpf.c"
#include "module.bpf.c"
#include "iouring.bpf.c"
#include "namespace.bpf.c"
#include "cgroup.bpf.c"

char LICENSE[] SEC("license") = "GPL";
