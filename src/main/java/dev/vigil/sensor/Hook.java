package dev.vigil.sensor;

import dev.vigil.event.EventType;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The hook catalogue (DESIGN.md §2): what each hook reports, whether it is on by default, and
 * which BPF programs (by name prefix) make it. Syscall hooks run at the syscall's exit only and
 * read its arguments from the registers saved at entry: the default set attaches no sys_enter
 * tracepoint, so no syscall of the system takes the enter side's slow path. A program prefix may serve several hooks; it is
 * attached when any of them is on.
 */
public enum Hook {
    WRITE(EventType.WRITE, false, "sys_exit write/pwrite64/writev on regular files", "write__"),
    OPEN(EventType.OPEN, false, "sys_exit open/openat/openat2/creat", "open__"),
    MPROTECT(EventType.MPROTECT, false, "sys_exit mprotect with PROT_EXEC", "mprotect__"),
    NANOSLEEP(EventType.NANOSLEEP, false, "sys_enter nanosleep/clock_nanosleep", "sleep__"),
    CONNECT(EventType.CONNECT, true, "sys_exit connect (inet); io_uring_complete for IORING_OP_CONNECT", "connect__", "iouring__"),
    ACCEPT(EventType.ACCEPT, false, "sys_exit accept/accept4 (inet); io_uring_complete for IORING_OP_ACCEPT", "accept__", "iouring__"),
    BIND(EventType.BIND, true, "sys_exit bind (inet); the port reported is the one the kernel bound", "bind__"),
    EXECVE(EventType.EXECVE, true, "sched_process_exec (every route) + sys_exit execve/execveat failures", "process__"),
    EXIT(EventType.EXIT, false, "sched_process_exit, last thread", "process__"),
    KILL(EventType.KILL, false, "sys_exit kill", "kill__"),
    RENAME(EventType.RENAME, true, "sys_exit rename/renameat/renameat2", "rename__"),
    LINK(EventType.LINK, true, "sys_exit link/linkat/symlink/symlinkat", "link__"),
    CHMOD(EventType.CHMOD, true, "sys_exit chmod/fchmod/fchmodat/fchmodat2", "chmod__"),
    PTRACE(EventType.PTRACE, true, "sys_exit ptrace (POKE*, ATTACH, SEIZE, SETREGS, TRACEME)", "ptrace__"),
    SETSID(EventType.SETSID, true, "sys_exit setsid", "setsid__"),
    PRCTL(EventType.PRCTL, true, "sys_exit prctl(PR_SET_NAME)", "prctl__"),
    MOUNT(EventType.MOUNT, true, "sys_exit mount, move_mount (new mount API)", "mount__"),
    TKILL(EventType.TKILL, false, "sys_exit tkill", "tkill__"),
    TGKILL(EventType.TGKILL, false, "sys_exit tgkill", "tgkill__"),
    EXIT_GROUP(EventType.EXIT_GROUP, false, "sys_enter exit_group", "exitgroup__"),
    MEMFD_CREATE(EventType.MEMFD_CREATE, true, "sys_exit memfd_create", "memfd__"),
    DNS(EventType.DNS, true, "queries at net_dev_queue (tp_btf; UDP and TCP to port 53, any send route); replies at sys_exit recvfrom/recvmsg/recvmmsg on UDP 53/5353; parsed in userspace", "dns__"),
    CREATE_FILE(EventType.CREATE_FILE, true, "sys_exit open/openat/openat2/creat and io_uring OPENAT when the file was created (FMODE_CREATED)", "open__", "iouring__"),
    LOAD_MODULE(EventType.LOAD_MODULE, true, "sys_exit init_module/finit_module; raw_syscalls fallback in 'all' where the kernel has no module syscalls", "module__"),
    UPDATE_CRED(EventType.UPDATE_CRED, true, "sys_exit setuid/setreuid/setresuid/setfsuid (refused requests for root too, res < 0), set-uid exec at sched_process_exec", "creds__", "process__"),
    UNLINK(EventType.UNLINK, false, "sys_exit unlink/unlinkat", "unlink__"),
    RMDIR(EventType.RMDIR, false, "sys_exit rmdir, unlinkat(AT_REMOVEDIR)", "unlink__"),
    USERMODEHELPER(EventType.USERMODEHELPER, true, "sched_process_exec of a task whose parent is a kernel thread", "process__"),
    FILE_WRITE(EventType.FILE_WRITE, true, "open/openat/openat2/creat (and io_uring OPENAT) of a watched file for writing, decided in the kernel", "open__", "iouring__"),
    FILE_READ(EventType.FILE_READ, true, "open/openat/openat2 (and io_uring OPENAT) of a watched file for reading, decided in the kernel", "open__", "iouring__"),
    USB(EventType.USB, true, "kernel uevent netlink socket (userspace), SUBSYSTEM=usb", ""),
    PRIVILEGE_ESCALATION(EventType.PRIVILEGE_ESCALATION, true, "task creds vs parent's at exec and fork", "process__", "creds__"),
    PORT_SCAN(EventType.PORT_SCAN, false, "tcp_send_reset (SYN to a closed port) + inet_sock_set_state, aggregated per source", "scan__"),
    PROCESS_MEMORY(EventType.PROCESS_MEMORY, true, "sys_exit process_vm_writev/readv; open exit (and io_uring OPENAT) of /proc/PID/mem, environ, maps of another process, decided from the procfs inode",
            "memory__", "open__", "iouring__"),
    RAW_SOCKET(EventType.RAW_SOCKET, true, "sys_exit socket with AF_PACKET, SOCK_RAW or SOCK_PACKET; io_uring_complete for IORING_OP_SOCKET", "socket__", "iouring__"),
    LISTEN(EventType.LISTEN, true, "sys_exit listen (inet), the bound address read from the socket", "listen__"),
    CAPSET(EventType.CAPSET, true, "sys_exit capset", "capset__"),
    FILE_CAPS(EventType.FILE_CAPS, true, "sys_exit setxattr/lsetxattr/fsetxattr/setxattrat of security.capability", "fcaps__"),
    USERFAULTFD(EventType.USERFAULTFD, true, "sys_exit userfaultfd", "userfaultfd__"),
    BPF_LOAD(EventType.BPF_LOAD, true, "sys_exit bpf(BPF_PROG_LOAD), any process but the agent", "bpfload__"),
    NAMESPACE(EventType.NAMESPACE, true, "sys_exit setns, unshare, clone/clone3 with CLONE_NEW* flags", "ns__"),
    SYSCTL_WRITE(EventType.SYSCTL_WRITE, true, "open exit (and io_uring OPENAT) of a /proc/sys file for writing, decided from the procfs inode's ctl_table entry", "open__", "iouring__"),
    WATCHED_CHANGE(EventType.WATCHED_CHANGE, true, "sys_exit unlink/unlinkat/rmdir and truncate decided on the path (watched prefixes, in the kernel), ftruncate on the open file's inode", "unlink__", "watched__"),
    AGENT_TAMPER(EventType.AGENT_TAMPER, true, "signal_generate (tp_btf) for signals to the agent, any sender; ptrace, /proc/PID/mem opened for writing (io_uring too) and process_vm_writev aimed at the agent, decided with process_memory; always on in 'vigil run'",
            "tamper__", "open__", "ptrace__", "memory__", "iouring__");

    private final EventType type;
    private final boolean onByDefault;
    private final String mechanism;
    private final List<String> programPrefixes;

    Hook(EventType type, boolean onByDefault, String mechanism, String... programPrefixes) {
        this.type = type;
        this.onByDefault = onByDefault;
        this.mechanism = mechanism;
        this.programPrefixes = Arrays.stream(programPrefixes).filter(p -> !p.isEmpty()).toList();
    }

    public EventType type() {
        return type;
    }

    public boolean onByDefault() {
        return onByDefault;
    }

    public String mechanism() {
        return mechanism;
    }

    /** BPF program name prefixes this hook needs; empty for hooks served in userspace. */
    public List<String> programPrefixes() {
        return programPrefixes;
    }

    public String hookName() {
        return type.eventName();
    }

    /** By event name ("execve"), enum name ("EXECVE") or Elkeid number ("59"). */
    public static Optional<Hook> find(String name) {
        String n = name.trim();
        for (Hook h : values()) {
            if (h.hookName().equals(n) || h.name().equals(n.toUpperCase(Locale.ROOT)) || String.valueOf(h.type.number()).equals(n)) {
                return Optional.of(h);
            }
        }
        return Optional.empty();
    }
}
