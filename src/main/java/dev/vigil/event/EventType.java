package dev.vigil.event;

import java.util.HashMap;
import java.util.Map;

/** Event types, numbered as Elkeid's data_type so Elkeid users recognise them. */
public enum EventType {
    WRITE(1, "write"),
    OPEN(2, "open"),
    MPROTECT(10, "mprotect"),
    NANOSLEEP(35, "nanosleep"),
    CONNECT(42, "connect"),
    ACCEPT(43, "accept"),
    BIND(49, "bind"),
    EXECVE(59, "execve"),
    EXIT(60, "exit"),
    KILL(62, "kill"),
    RENAME(82, "rename"),
    LINK(86, "link"),
    CHMOD(90, "chmod"),
    PTRACE(101, "ptrace"),
    SETSID(112, "setsid"),
    PRCTL(157, "prctl"),
    MOUNT(165, "mount"),
    TKILL(200, "tkill"),
    TGKILL(201, "tgkill"),
    EXIT_GROUP(231, "exit_group"),
    MEMFD_CREATE(356, "memfd_create"),
    DNS(601, "dns"),
    CREATE_FILE(602, "create_file"),
    LOAD_MODULE(603, "load_module"),
    UPDATE_CRED(604, "update_cred"),
    UNLINK(605, "unlink"),
    RMDIR(606, "rmdir"),
    USERMODEHELPER(607, "call_usermodehelper_exec"),
    FILE_WRITE(608, "file_write"),
    FILE_READ(609, "file_read"),
    USB(610, "usb_device_event"),
    PRIVILEGE_ESCALATION(611, "privilege_escalation"),
    PORT_SCAN(612, "port_scan"),
    /** Vigil's own: another process signalled, traced or wrote into the agent. */
    AGENT_TAMPER(700, "agent_tamper"),
    /** Vigil's own: another process's memory read or written (process_vm_*, /proc/PID/mem|environ|maps). */
    PROCESS_MEMORY(701, "process_memory"),
    /** Vigil's own: a raw or packet socket created (sniffing, crafted packets). */
    RAW_SOCKET(702, "raw_socket"),
    /** Vigil's own: an inet socket set to listen (bind shells). */
    LISTEN(703, "listen"),
    /** Vigil's own: capset(2). */
    CAPSET(704, "capset"),
    /** Vigil's own: file capabilities (security.capability) set on a file. */
    FILE_CAPS(705, "file_capability"),
    /** Vigil's own: userfaultfd(2), a staple of kernel exploits. */
    USERFAULTFD(706, "userfaultfd"),
    /** Vigil's own: a BPF program loaded by a process other than the agent. */
    BPF_LOAD(707, "bpf_load"),
    /** Vigil's own: setns, unshare, clone/clone3 with CLONE_NEW* flags. */
    NAMESPACE(708, "namespace"),
    /** Vigil's own: a kernel tunable under /proc/sys opened for writing. */
    SYSCTL_WRITE(709, "sysctl_write"),
    /** Vigil's own: a watched file (logs, histories, credentials, cron…) unlinked, removed or truncated. */
    WATCHED_CHANGE(710, "watched_change"),
    /** Internal: keeps the process cache; not part of the catalogue. */
    FORK(1000, "fork"),
    /** Internal: a cgroup v2 directory made or removed, for the container map. */
    CGROUP(1001, "cgroup");

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

    EventType(int number, String eventName) {
        this.number = number;
        this.eventName = eventName;
    }

    /** Elkeid's data_type. */
    public int number() {
        return number;
    }

    /** The name used in JSON ({@code "event"}) and in rules ({@code evt.type}). */
    public String eventName() {
        return eventName;
    }

    public static EventType ofNumber(int number) {
        return BY_NUMBER.get(number);
    }

    public static EventType ofName(String name) {
        return BY_NAME.get(name);
    }
}
