package dev.vigil.event;

import java.util.HashMap;
import java.util.Map;

import static dev.vigil.event.EventDef.internal;
import static dev.vigil.event.EventDef.kernel;

/**
 * The kernel sensor's event types, one declaration each: Elkeid's data_type number (Vigil's own
 * from 700), the name, and its {@link EventDef}. The numbers are checked against bpf/include/vigil.h
 * (enum vigil_type, read from the object's BTF) at start-up and by a test.
 */
public enum EventType implements EventKind {
    WRITE(1, "write", kernel(false, "sys_exit write/pwrite64/writev on regular files", "write__")
            .record("file_event")
            .is("data written to a regular file: its first 64 bytes")
            .fields("file", "buf", "fd", "res")
            .path("file")
            .falco("write", "pwrite64", "writev", "pwritev")),
    OPEN(2, "open", kernel(false, "sys_exit open/openat/openat2/creat", "open__")
            .record("file_event")
            .is("a file opened")
            .fields("filename", "flags", "mode", "res")
            .path("filename")
            .falco("open", "openat", "openat2", "creat")),
    MPROTECT(10, "mprotect", kernel(false, "sys_exit mprotect with PROT_EXEC", "mprotect__")
            .record("task_event")
            .is("memory made executable")
            .fields("mprotect_prot", "addr", "len", "owner_pid", "vm_file")
            .ancestry()
            .fields("res")
            .falco("mprotect")),
    NANOSLEEP(35, "nanosleep", kernel(false, "sys_enter nanosleep/clock_nanosleep", "sleep__")
            .record("task_event")
            .is("a sleep")
            .fields("sec", "nsec", "res")
            .falco("nanosleep", "clock_nanosleep")),
    CONNECT(42, "connect", kernel(true, "sys_exit connect (inet); io_uring_complete for IORING_OP_CONNECT", "connect__", "iouring__")
            .record("net_event")
            .is("an outbound connection")
            .endpoints()
            .fields("protocol", "fd", "res")
            .peer()
            .falco("connect")
            .falcoArg("fd", "fd")),
    ACCEPT(43, "accept", kernel(false, "sys_exit accept/accept4 (inet); io_uring_complete for IORING_OP_ACCEPT", "accept__", "iouring__")
            .record("net_event")
            .is("an inbound connection accepted")
            .endpoints()
            .fields("protocol", "fd", "res")
            .peer()
            .falco("accept", "accept4")
            .falcoArg("fd", "fd")),
    BIND(49, "bind", kernel(true, "sys_exit bind (inet); the port reported is the one the kernel bound", "bind__")
            .record("net_event")
            .is("a socket bound to a local address: sport is the port the kernel bound, so a bind to port 0 shows the real one")
            .endpoints()
            .fields("protocol", "fd", "res")
            .peer()
            .falco("bind")
            .falcoArg("fd", "fd")),
    EXECVE(59, "execve", kernel(true, "sched_process_exec (every route) + sys_exit execve/execveat failures", "process__")
            .record("exec_event")
            .is("a program run: arguments, working directory, what fds 0 and 1 are (an inet socket there or on one of the 4 nearest ancestors' gives the peer and socket_pid), tty, SSH_CONNECTION, LD_PRELOAD found anywhere in the environment, the environment's first --env-max bytes (default 2048), capabilities; script: the #! file an interpreter was run for; loader_target: the program ld.so was asked to run")
            .fields("exe", "argv", "args", "argc", "argv_truncated", "run_path", "filename", "stdin", "stdout")
            .endpoints()
            .fields("socket_pid")
            .ancestry()
            .fields("tty", "ssh", "ld_preload", "cap_effective", "cap_permitted", "env","env_truncated", "script", "loader_target", "exe_deleted", "exe_upper_layer", "vpid", "pvpid", "res")
            .path("exe")
            .falco("execve", "execveat")
            .falcoArg("exe", "filename", "exe")
            .falcoArg("run_path", "cwd")),
    EXIT(60, "exit", kernel(false, "sched_process_exit, last thread", "process__")
            .record("task_event")
            .is("a process ended")
            .fields("exit_code", "res")
            .falco("procexit")),
    KILL(62, "kill", kernel(false, "sys_exit kill", "kill__")
            .record("task_event")
            .is("a signal sent to a process")
            .fields("target_pid", "sig", "res")
            .falco("kill")
            .falcoArg("target_pid", "pid")
            .falcoArg("sig", "sig")),
    RENAME(82, "rename", kernel(true, "sys_exit rename/renameat/renameat2", "rename__")
            .record("file_event")
            .is("a file renamed")
            .fields("old_name", "new_name", "sb_id", "flags", "res")
            .path("new_name")
            .falco("rename", "renameat", "renameat2")
            .falcoArg("old_name", "oldpath")
            .falcoArg("new_name", "newpath", "name", "path")),
    LINK(86, "link", kernel(true, "sys_exit link/linkat/symlink/symlinkat", "link__")
            .record("file_event")
            .is("a hard or symbolic link made")
            .fields("old_name", "new_name", "sb_id", "symlink", "flags", "res")
            .path("new_name")
            .falco("link", "linkat", "symlink", "symlinkat")),
    CHMOD(90, "chmod", kernel(true, "sys_exit chmod/fchmod/fchmodat/fchmodat2", "chmod__")
            .record("file_event")
            .is("a file's mode changed")
            .fields("file_path", "fsid", "mode")
            .ancestry()
            .fields("res")
            .path("file_path")
            .falco("chmod", "fchmod", "fchmodat", "fchmodat2")
            .falcoArg("file_path", "filename", "path", "name")),
    PTRACE(101, "ptrace", kernel(true, "sys_exit ptrace (POKE*, ATTACH, SEIZE, SETREGS, TRACEME)", "ptrace__")
            .record("task_event")
            .is("another process traced or its memory written")
            .fields("ptrace_request", "target_pid", "addr", "data")
            .ancestry()
            .fields("res")
            .falco("ptrace")
            .falcoArg("target_pid", "pid")
            .falcoArg("addr", "addr")
            .falcoArg("data", "data")),
    SETSID(112, "setsid", kernel(true, "sys_exit setsid", "setsid__")
            .record("task_event")
            .is("a new session started (res: its id)")
            .fields("res")
            .falco("setsid")),
    PRCTL(157, "prctl", kernel(true, "sys_exit prctl(PR_SET_NAME)", "prctl__")
            .record("task_event")
            .is("a process renamed itself (PR_SET_NAME)")
            .fields("option", "new_name", "res")
            .falco("prctl")
            .falcoArg("option", "option")
            .falcoArg("new_name", "arg2_str")),
    MOUNT(165, "mount", kernel(true, "sys_exit mount, move_mount (new mount API)", "mount__")
            .record("file_event")
            .is("a file system mounted")
            .fields("file_path", "dev", "fstype", "flags")
            .ancestry()
            .fields("res")
            .path("file_path")
            .falco("mount", "move_mount")
            .falcoArg("dev", "dev")
            .falcoArg("file_path", "dir", "path")
            .falcoArg("fstype", "type")
            .falcoArg("flags", "flags")),
    TKILL(200, "tkill", kernel(false, "sys_exit tkill", "tkill__")
            .record("task_event")
            .is("a signal sent to a thread")
            .fields("target_pid", "sig", "res")
            .falco("tkill")
            .falcoArg("target_pid", "tid")
            .falcoArg("sig", "sig")),
    TGKILL(201, "tgkill", kernel(false, "sys_exit tgkill", "tgkill__")
            .record("task_event")
            .is("a signal sent to a thread of a group")
            .fields("tgid", "tid", "sig", "res")
            .falco("tgkill")
            .falcoArg("tgid", "pid")
            .falcoArg("tid", "tid")
            .falcoArg("sig", "sig")),
    EXIT_GROUP(231, "exit_group", kernel(false, "sys_enter exit_group", "exitgroup__")
            .record("task_event")
            .is("a process asked to end")
            .fields("exit_code", "res")
            .falco("exit_group")),
    MEMFD_CREATE(356, "memfd_create", kernel(true, "sys_exit memfd_create", "memfd__")
            .record("file_event")
            .is("an anonymous in-memory file made")
            .fields("fdname", "flags", "res")
            .path("fdname")
            .falco("memfd_create")
            .falcoArg("fdname", "name")
            .falcoArg("flags", "flags")),
    DNS(601, "dns", kernel(true, "queries at net_dev_queue (tp_btf; UDP and TCP to port 53, any send route); replies at sys_exit recvfrom/recvmsg/recvmmsg on UDP 53/5353, and read(2) of a connected UDP socket at sock_recv_length (tp_btf); parsed in userspace", "dns__")
            .record("dns_event")
            .is("a DNS query as it left, by any send route, answered or not (response false), or a reply (true); the name exactly as on the wire")
            .fields("response", "query", "qtype", "opcode", "rcode", "answers")
            .endpoints()
            .falco("recvfrom", "recvmsg", "recvmmsg", "read", "sendto", "sendmsg", "sendmmsg")),
    CREATE_FILE(602, "create_file", kernel(true, "sys_exit open/openat/openat2/creat and io_uring OPENAT when the file was created (FMODE_CREATED)", "open__", "iouring__")
            .record("file_event")
            .is("a file created: only files the open really created")
            .fields("file_path", "sb_id", "mode", "flags", "res")
            .path("file_path")
            .falco("open", "openat", "openat2", "creat")),
    LOAD_MODULE(603, "load_module", kernel(true, "sys_exit init_module/finit_module; raw_syscalls fallback in 'all' where the kernel has no module syscalls", "module__")
            .record("file_event")
            .is("a kernel module loaded, refused attempts too")
            .fields("ko_file", "run_path")
            .ancestry()
            .fields("res")
            .path("ko_file")
            .falco("init_module", "finit_module")
            .falcoArg("ko_file", "name", "path")),
    UPDATE_CRED(604, "update_cred", kernel(true, "sys_exit setuid/setreuid/setresuid/setfsuid (refused requests for root too, res < 0), set-uid exec at sched_process_exec", "creds__", "process__")
            .record("task_event")
            .is("a non-root uid taking root (set*uid, set-uid exec), or asking for it and refused (res < 0)")
            .fields("old_uid")
            .ancestry()
            .fields("res")
            .falco("setuid", "setreuid", "setresuid", "setfsuid")),
    UNLINK(605, "unlink", kernel(false, "sys_exit unlink/unlinkat", "unlink__")
            .record("file_event")
            .is("a file removed")
            .fields("file", "res")
            .path("file")
            .falco("unlink", "unlinkat")
            .falcoArg("file", "path", "name")),
    RMDIR(606, "rmdir", kernel(false, "sys_exit rmdir, unlinkat(AT_REMOVEDIR)", "unlink__")
            .record("file_event")
            .is("a directory removed")
            .fields("file", "res")
            .path("file")
            .falco("rmdir", "unlinkat")
            .falcoArg("file", "path", "name")),
    USERMODEHELPER(607, "call_usermodehelper_exec", kernel(true, "sched_process_exec of a task whose parent is a kernel thread", "process__")
            .is("a program the kernel itself started (core_pattern, modprobe, uevent helpers); wait is -1, not visible from tracepoints")
            .fields("exe", "argv", "args", "argc", "argv_truncated", "run_path", "filename", "stdin", "stdout")
            .endpoints()
            .fields("socket_pid")
            .ancestry()
            .fields("tty", "ssh", "ld_preload", "cap_effective", "cap_permitted", "env","env_truncated", "script", "loader_target", "exe_deleted", "exe_upper_layer", "vpid", "pvpid", "res", "wait")
            .path("exe")
            .falco("execve", "execveat")
            .falcoArg("exe", "filename", "exe")
            .falcoArg("run_path", "cwd")),
    FILE_WRITE(608, "file_write", kernel(true, "open/openat/openat2/creat (and io_uring OPENAT) of a watched file for writing, decided in the kernel; renames and hard links of watched names, so that inode keys follow them", "open__", "iouring__", "rename__", "link__")
            .record("file_event")
            .is("a watched file opened for writing")
            .fields("file", "host_path", "sb_id", "flags", "res")
            .path("file")
            .falco("open", "openat", "openat2", "creat")),
    FILE_READ(609, "file_read", kernel(true, "open/openat/openat2 (and io_uring OPENAT) of a watched file for reading, decided in the kernel; renames and hard links of watched names, so that inode keys follow them", "open__", "iouring__", "rename__", "link__")
            .record("file_event")
            .is("a watched file opened for reading")
            .fields("file", "host_path", "sb_id", "flags", "res")
            .path("file")
            .falco("open", "openat", "openat2", "creat")),
    USB(610, "usb_device_event", kernel(true, "kernel uevent netlink socket (userspace), SUBSYSTEM=usb")
            .is("a USB device plugged or removed")
            .fields("action", "subsystem", "devpath", "product_info", "manufacturer", "serial")),
    PRIVILEGE_ESCALATION(611, "privilege_escalation", kernel(true, "task creds vs parent's at exec and fork", "process__", "creds__")
            .record("cred_event")
            .is("root credentials the parent did not have, with no set*id call on record")
            .fields("p_pid")
            .ancestry()
            .fields("p_cred", "c_cred")),
    PORT_SCAN(612, "port_scan", kernel(false, "tcp_send_reset (SYN to a closed port) + inet_sock_set_state, aggregated per source", "scan__")
            .record("scan_event")
            .is("one source probed many ports of this host: sip is the scanner, dip/dport the last port probed; this host's own"
                    + " `connect()` calls are the connect hook's to report (raw SYNs over loopback still count)")
            .endpoints()
            .fields("ports", "window_ms", "flags")),
    AGENT_TAMPER(700, "agent_tamper", kernel(true, "signal_generate (tp_btf) for signals to the agent, any sender; ptrace, /proc/PID/mem opened for writing (io_uring too) and process_vm_writev aimed at the agent, decided with process_memory; always on in 'vigil run'","tamper__", "open__", "ptrace__", "memory__", "iouring__")
            .record("task_event")
            .is("another process signalled, traced or wrote into the agent")
            .fields("action", "sig", "target_pid", "ptrace_request", "flags", "file")
            .ancestry()
            .fields("res")),
    PROCESS_MEMORY(701, "process_memory", kernel(true, "sys_exit process_vm_writev/readv; open exit (and io_uring OPENAT) of /proc/PID/mem, environ, maps of another process, decided from the procfs inode","memory__", "open__", "iouring__")
            .record("task_event")
            .is("another process's memory or secrets: process_vm_readv/writev, or /proc/PID/mem, environ, maps (and task/TID/…) of a process other than the opener, decided in the kernel from the procfs inode")
            .fields("access", "target_pid", "target_start", "file", "flags", "write")
            .ancestry()
            .fields("res")
            .path("file")
            .falco("open", "openat", "openat2", "creat", "process_vm_writev", "process_vm_readv")),
    RAW_SOCKET(702, "raw_socket", kernel(true, "sys_exit socket with AF_PACKET, SOCK_RAW or SOCK_PACKET; io_uring_complete for IORING_OP_SOCKET", "socket__", "iouring__")
            .record("task_event")
            .is("a raw or packet socket made (sniffing, crafted packets)")
            .fields("sa_family", "socket_type", "socket_protocol")
            .ancestry()
            .fields("res")
            .falco("socket")
            .falcoArg("socket_protocol", "proto")),
    LISTEN(703, "listen", kernel(true, "sys_exit listen (inet), the bound address read from the socket", "listen__")
            .record("net_event")
            .is("an inet socket set to listen (bind shells)")
            .endpoints()
            .fields("protocol", "fd", "res")
            .peer()
            .falco("listen")
            .falcoArg("fd", "fd")),
    CAPSET(704, "capset", kernel(true, "sys_exit capset", "capset__")
            .record("task_event")
            .is("a process's capabilities set (target_pid 0: itself)")
            .fields("target_pid", "cap_effective", "cap_permitted", "cap_inheritable")
            .ancestry()
            .fields("res")
            .falco("capset")),
    FILE_CAPS(705, "file_capability", kernel(true, "sys_exit setxattr/lsetxattr/fsetxattr/setxattrat of security.capability", "fcaps__")
            .record("file_event")
            .is("file capabilities (security.capability) set on a file")
            .fields("file_path")
            .ancestry()
            .fields("res")
            .path("file_path")
            .falco("setxattr", "lsetxattr", "fsetxattr")
            .falcoArg("file_path", "path")),
    USERFAULTFD(706, "userfaultfd", kernel(true, "sys_exit userfaultfd", "userfaultfd__")
            .record("task_event")
            .is("userfaultfd(2), a staple of kernel exploits")
            .fields("flags")
            .ancestry()
            .fields("res")
            .falco("userfaultfd")
            .falcoArg("flags", "flags")),
    BPF_LOAD(707, "bpf_load", kernel(true, "sys_exit bpf(BPF_PROG_LOAD), any process but the agent", "bpfload__")
            .record("task_event")
            .is("a BPF program loaded by a process other than the agent")
            .fields("prog_type", "prog_name")
            .ancestry()
            .fields("res")
            .falco("bpf")),
    NAMESPACE(708, "namespace", kernel(true, "sys_exit setns, unshare, clone/clone3 with CLONE_NEW* flags", "ns__")
            .record("task_event")
            .is("a namespace joined or made (setns, unshare, clone with CLONE_NEW*); setns names the file (uts:[4026531838], or the pidfd's path); for clone, res is the child's pid")
            .fields("action", "flags", "namespaces", "file", "ns_inode")
            .ancestry()
            .fields("res")
            .falco("setns", "unshare", "clone", "clone3")
            .falcoArg("file", "fd")),
    SYSCTL_WRITE(709, "sysctl_write", kernel(true, "open exit (and io_uring OPENAT) of a /proc/sys file for writing, decided from the procfs inode's ctl_table entry", "open__", "iouring__")
            .record("task_event")
            .is("a kernel tunable under /proc/sys opened for writing")
            .fields("file", "sysctl", "flags")
            .ancestry()
            .fields("res")
            .path("file")
            .falco("open", "openat", "openat2", "creat")),
    WATCHED_CHANGE(710, "watched_change", kernel(true, "sys_exit unlink/unlinkat/rmdir/rename/renameat/renameat2/link/linkat and truncate decided on the path (watched prefixes, in the kernel), ftruncate on the open file's inode", "unlink__", "rename__", "link__", "watched__")
            .record("file_event")
            .is("a watched file (logs, shell histories, credentials, cron, ssh…: the file_read/file_write watch list) unlinked, removed, truncated, renamed from or onto a watched name, or hard-linked")
            .fields("action", "file", "new_name", "length")
            .ancestry()
            .fields("res")
            .path("file")
            .falco("unlink", "unlinkat", "rmdir", "truncate", "ftruncate")
            .falcoArg("file", "path", "name")
            .falcoArg("length", "length")),
    MKDIR(711, "mkdir", kernel(false, "sys_exit mkdir/mkdirat; io_uring_complete for IORING_OP_MKDIRAT", "mkdir__", "iouring__")
            .record("file_event")
            .is("a directory made")
            .fields("file", "mode")
            .ancestry()
            .fields("res")
            .path("file")
            .falco("mkdir", "mkdirat")
            .falcoArg("file", "path", "name")),
    DUP(712, "dup", kernel(false, "sys_exit dup, dup2, dup3 with a result of 0, 1 or 2 on an inet socket, decided in the kernel", "dup__")
            .record("net_event")
            .is("an inet socket duplicated onto standard input, output or error (a shell wired to a connection)")
            .endpoints()
            .fields("protocol", "fd", "res")
            .peer()
            .falco("dup", "dup2", "dup3")
            .falcoArg("fd", "newfd")),
    GUARDED_SIGNAL(713, "guarded_signal", kernel(true, "signal_generate (tp_btf), decided in the kernel: a stopping signal (INT, QUIT, ABRT, KILL, TERM, STOP, TSTP) that a process sent to a guarded process, by its name", "tamper__")
            .record("task_event")
            .is("a security or logging agent (auditd, falco, osqueryd, wazuh-*, the EDRs: sensor.GuardedNames) sent a signal that ends or suspends it, by any route (kill, tkill, tgkill, sigqueue, pidfd); target_comm names it")
            .fields("sig", "target_pid", "target_start", "group")
            .ancestry()
            .falco("kill", "tkill", "tgkill")
            .falcoArg("target_pid", "pid")
            .falcoArg("sig", "sig")),
    MMAP_EXEC(714, "mmap_exec", kernel(true, "sys_exit mmap with PROT_EXEC of a file whose place someone other than root can write (a world-writable or another user's directory above it, a marked home, tmpfs), decided in the kernel", "mmap__")
            .record("task_event")
            .is("code loaded without an exec: a file from a writable place mapped executable (dlopen, ld.so, LD_AUDIT, an interpreter's FFI, bash's enable -f, a memfd library); place says why the kernel called its place writable")
            .fields("file", "prot", "flags", "file_uid", "place")
            .ancestry()
            .path("file")
            .falco("mmap")),
    FORK(1000, "fork", kernel(false, "sched_process_fork (tp_btf), processes not threads; off by default, as the process cache enters a fork that did not exec from its first event", "process__")
            .record("task_event")
            .is("a process forked")
            .fields("parent_pid", "res")),
    /** For the container map; no hook of its own. */
    CGROUP(1001, "cgroup", internal()
            .record("task_event")
            .is("a cgroup v2 directory made or removed (keeps the container map)")
            .fields("cgroup_id", "removed", "path", "res"));

    private static final Map<Integer, EventType> BY_NUMBER = new HashMap<>();
    private static final Map<String, EventType> BY_NAME = new HashMap<>();
    static {
        for (EventType t : values()) {
            BY_NUMBER.put(t.number, t);
            BY_NAME.put(t.eventName, t);
        }
    }

    private final int number;
    private final String eventName;
    private final EventDef def;

    EventType(int number, String eventName, EventDef.Builder def) {
        this.number = number;
        this.eventName = eventName;
        this.def = def.build();
    }

    /** Elkeid's data_type. */
    @Override
    public int number() {
        return number;
    }

    @Override
    public String eventName() {
        return eventName;
    }

    @Override
    public EventDef def() {
        return def;
    }

    /** The name of this type in bpf/include/vigil.h's enum vigil_type. */
    public String cName() {
        return "T_" + name();
    }

    public static EventType ofNumber(int number) {
        return BY_NUMBER.get(number);
    }

    public static EventType ofName(String name) {
        return BY_NAME.get(name);
    }
}
