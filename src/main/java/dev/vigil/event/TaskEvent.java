package dev.vigil.event;

/** Process and signal hooks carrying a few numbers (and perhaps one string); named per type in {@link #fields}. */
public record TaskEvent(Header header, PidTree pidTree, long arg0, long arg1, long arg2, long arg3, String text) implements Event {
    /** The process this event acts on (ptrace, kill, tkill, process_memory), or -1. */
    public long targetPid() {
        return switch (type()) {
            case PTRACE, PROCESS_MEMORY -> arg1;
            case KILL, TKILL -> arg0;
            case TGKILL -> arg0;
            default -> -1;
        };
    }

    /** The target's start time when the kernel knew it (its identity with the pid), else 0. */
    public long targetStart() {
        return type() == EventType.PROCESS_MEMORY ? arg2 : 0;
    }

    private static final long[] NS_FLAGS = {0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000, 0x80};
    private static final String[] NS_NAMES = {"mnt", "cgroup", "uts", "ipc", "user", "pid", "net", "time"};

    /** CLONE_NEW* bits as namespace names ("mnt pid"); for setns with nstype 0, empty (any kind). */
    static String namespaces(long flags) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < NS_FLAGS.length; i++) {
            if ((flags & NS_FLAGS[i]) != 0) {
                sb.append(sb.isEmpty() ? "" : " ").append(NS_NAMES[i]);
            }
        }
        return sb.toString();
    }

    /** For 701 process_memory: the route (bpf/include/vigil.h, enum vigil_memory_access). */
    public String memoryAccess() {
        return switch ((int) arg0) {
            case 1 -> "process_vm_writev";
            case 2 -> "process_vm_readv";
            case 3 -> "proc_open";
            default -> "unknown";
        };
    }

    /** For 700 agent_tamper: what was done to the agent (bpf/include/vigil.h, enum vigil_tamper). */
    public String tamperAction() {
        return switch ((int) arg0) {
            case 1 -> "signal";
            case 2 -> "ptrace";
            case 3 -> "proc_mem_write";
            case 4 -> "process_vm_writev";
            default -> "unknown";
        };
    }

    @Override
    public void fields(FieldSink out) {
        switch (type()) {
            case MPROTECT -> {
                out.field("mprotect_prot", arg0);
                out.field("addr", arg1);
                out.field("len", arg2);
                out.field("owner_pid", arg3);
                out.field("vm_file", text);
                out.ancestry(pidTree);
            }
            case NANOSLEEP -> {
                out.field("sec", arg0);
                out.field("nsec", arg1);
            }
            case EXIT, EXIT_GROUP -> out.field("exit_code", arg0);
            case KILL, TKILL -> {
                out.field("target_pid", arg0);
                out.field("sig", arg1);
            }
            case TGKILL -> {
                out.field("tgid", arg0);
                out.field("tid", arg2);
                out.field("sig", arg1);
            }
            case PTRACE -> {
                out.field("ptrace_request", arg0);
                out.field("target_pid", arg1);
                out.field("addr", arg2);
                out.field("data", arg3);
                out.ancestry(pidTree);
            }
            case PRCTL -> {
                out.field("option", arg0);
                out.field("new_name", text);
            }
            case UPDATE_CRED -> {
                out.field("old_uid", arg0);
                out.ancestry(pidTree);
            }
            case FORK -> out.field("parent_pid", arg0);
            case CGROUP -> {
                out.field("cgroup_id", arg0);
                out.field("removed", arg1 != 0);
                out.field("path", text);
            }
            case NAMESPACE -> {
                out.field("action", switch ((int) arg0) {
                    case 1 -> "setns";
                    case 2 -> "unshare";
                    case 3 -> "clone";
                    case 4 -> "clone3";
                    default -> "unknown";
                });
                out.field("flags", arg1);
                out.field("namespaces", namespaces(arg1));
                if (arg0 == 1) {
                    out.field("file", arg3 == 1 ? text + ":[" + Long.toUnsignedString(arg2) + "]" : text);
                    out.field("ns_inode", arg2);
                }
                out.ancestry(pidTree);
            }
            case SYSCTL_WRITE -> {
                out.field("file", text);
                out.field("sysctl", text.startsWith("/proc/sys/") ? text.substring(10).replace('/', '.') : text);
                out.field("flags", arg0);
                out.ancestry(pidTree);
            }
            case CAPSET -> {
                out.field("target_pid", arg0);
                out.field("cap_effective", Capabilities.names(arg1));
                out.field("cap_permitted", Capabilities.names(arg2));
                out.field("cap_inheritable", Capabilities.names(arg3));
                out.ancestry(pidTree);
            }
            case USERFAULTFD -> {
                out.field("flags", arg0);
                out.ancestry(pidTree);
            }
            case BPF_LOAD -> {
                out.field("prog_type", arg0);
                out.field("prog_name", text);
                out.ancestry(pidTree);
            }
            case RAW_SOCKET -> {
                out.field("sa_family", arg0);
                out.field("socket_type", arg1 & 0xf);
                out.field("socket_protocol", arg2);
                out.ancestry(pidTree);
            }
            case PROCESS_MEMORY -> {
                out.field("access", memoryAccess());
                out.field("target_pid", arg1);
                if (arg2 != 0) {
                    out.field("target_start", arg2);
                }
                if (arg0 == 3) {
                    out.field("file", text);
                    out.field("flags", arg3);
                    out.field("write", (arg3 & 3) != 0);
                } else {
                    out.field("write", arg0 == 1);
                }
                out.ancestry(pidTree);
            }
            case AGENT_TAMPER -> {
                out.field("action", tamperAction());
                switch ((int) arg0) {
                    case 1 -> {
                        out.field("sig", arg1);
                        out.field("target_pid", arg2);
                    }
                    case 2 -> {
                        out.field("ptrace_request", arg1);
                        out.field("target_pid", arg2);
                    }
                    case 3 -> {
                        out.field("flags", arg1);
                        out.field("target_pid", arg2);
                        out.field("file", text);
                    }
                    default -> out.field("target_pid", arg2);
                }
                out.ancestry(pidTree);
            }
            default -> { }
        }
        out.field("res", header.res());
    }
}
