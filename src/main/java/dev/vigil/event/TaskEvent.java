package dev.vigil.event;

/**
 * Process and signal events. The kernel sends them all in one struct (task_event in
 * bpf/include/vigil.h: four number slots and a text); {@link #of} gives each type its own record,
 * whose components name what the slots hold for it. Nothing downstream reads a slot by number.
 */
public sealed interface TaskEvent extends Event {

    /** The process this event acts on (ptrace, signals, process_memory, capset, agent_tamper), or -1. */
    default long targetPid() {
        return -1;
    }

    /** The target's start time when the kernel knew it (its identity with the pid), else 0. */
    default long targetStart() {
        return 0;
    }

    /** The record for a task_event of `h`'s type, from its slots as the kernel filled them. */
    static TaskEvent of(Header h, PidTree tree, long a0, long a1, long a2, long a3, String text) {
        return switch (h.type()) {
            case MPROTECT -> new Mprotect(h, tree, a0, a1, a2, a3, text);
            case NANOSLEEP -> new Sleep(h, a0, a1);
            case EXIT, EXIT_GROUP -> new Exit(h, a0);
            case KILL, TKILL -> new Signal(h, a0, a1);
            case TGKILL -> new ThreadSignal(h, a0, a2, a1);
            case PTRACE -> new Ptrace(h, tree, a0, a1, a2, a3);
            case PRCTL -> new Prctl(h, a0, text);
            case UPDATE_CRED -> new UpdateCred(h, tree, a0);
            case FORK -> new Fork(h, a0);
            case CGROUP -> new Cgroup(h, a0, a1 != 0, text);
            case NAMESPACE -> new Namespace(h, tree, NamespaceAction.of(a0), a1, a2, a3 == 1, text);
            case SYSCTL_WRITE -> new SysctlWrite(h, tree, a0, text);
            case CAPSET -> new Capset(h, tree, a0, a1, a2, a3);
            case USERFAULTFD -> new Userfaultfd(h, tree, a0);
            case BPF_LOAD -> new BpfLoad(h, tree, a0, text);
            case RAW_SOCKET -> new RawSocket(h, tree, a0, a1 & 0xf, a2);
            case PROCESS_MEMORY -> new ProcessMemory(h, tree, MemoryAccess.of(a0), a1, a2, a3, text);
            case AGENT_TAMPER -> new AgentTamper(h, tree, TamperAction.of(a0), a1, a2, text);
            case MMAP_EXEC -> new MmapExec(h, tree, a0, a1, a2, MmapPlace.names(a3), text);
            case GUARDED_SIGNAL -> new GuardedSignal(h, tree, a0, a1, a2, a3 != 0);
            default -> new Plain(h);
        };
    }

    /** 10: memory made executable. */
    record Mprotect(Header header, PidTree pidTree, long prot, long addr, long len, long ownerPid, String vmFile) implements TaskEvent {
        @Override
        public void fields(FieldSink out) {
            out.field("mprotect_prot", prot);
            out.field("addr", addr);
            out.field("len", len);
            out.field("owner_pid", ownerPid);
            out.field("vm_file", vmFile);
            out.ancestry(pidTree);
            out.field("res", header.res());
        }
    }

    /** 35: a sleep, as asked for. */
    record Sleep(Header header, long sec, long nsec) implements TaskEvent {
        @Override
        public void fields(FieldSink out) {
            out.field("sec", sec);
            out.field("nsec", nsec);
            out.field("res", header.res());
        }
    }

    /** 60 exit (the last thread), 231 exit_group (as asked). */
    record Exit(Header header, long exitCode) implements TaskEvent {
        @Override
        public void fields(FieldSink out) {
            out.field("exit_code", exitCode);
            out.field("res", header.res());
        }
    }

    /** 62 kill, 200 tkill. */
    record Signal(Header header, long targetPid, long sig) implements TaskEvent {
        @Override
        public void fields(FieldSink out) {
            out.field("target_pid", targetPid);
            out.field("sig", sig);
            out.field("res", header.res());
        }
    }

    /** 201 tgkill: a thread `tid` of the group `tgid`. */
    record ThreadSignal(Header header, long tgid, long tid, long sig) implements TaskEvent {
        @Override
        public long targetPid() {
            return tgid;
        }

        @Override
        public void fields(FieldSink out) {
            out.field("tgid", tgid);
            out.field("tid", tid);
            out.field("sig", sig);
            out.field("res", header.res());
        }
    }

    /** 101: another process traced, or its memory or registers written. */
    record Ptrace(Header header, PidTree pidTree, long request, long targetPid, long addr, long data) implements TaskEvent {
        @Override
        public void fields(FieldSink out) {
            out.field("ptrace_request", request);
            out.field("target_pid", targetPid);
            out.field("addr", addr);
            out.field("data", data);
            out.ancestry(pidTree);
            out.field("res", header.res());
        }
    }

    /** 713: a signal that ends or suspends a guarded process (a security agent), sent by this one. */
    record GuardedSignal(Header header, PidTree pidTree, long sig, long targetPid, long targetStart, boolean group) implements TaskEvent {
        @Override
        public void fields(FieldSink out) {
            out.field("sig", sig);
            out.field("target_pid", targetPid);
            out.field("target_start", targetStart);
            out.field("group", group);
            out.ancestry(pidTree);
        }
    }

    /** 714: a file from a writable place mapped executable. */
    record MmapExec(Header header, PidTree pidTree, long prot, long flags, long fileUid, java.util.List<String> place, String file) implements TaskEvent {
        @Override
        public void fields(FieldSink out) {
            out.field("file", file);
            out.field("prot", prot);
            out.field("flags", flags);
            out.field("file_uid", fileUid);
            out.field("place", place);
            out.ancestry(pidTree);
        }
    }

    /** enum vigil_mmap_place: why the kernel called a mapped file's place writable. */
    enum MmapPlace {
        WORLD_WRITABLE_DIR(1), OTHER_OWNER(2), MARKED_DIR(4), MEMORY_FS(8), FILE_WRITABLE(16);

        final int bit;

        MmapPlace(int bit) {
            this.bit = bit;
        }

        static java.util.List<String> names(long bits) {
            java.util.List<String> out = new java.util.ArrayList<>();
            for (MmapPlace p : values()) {
                if ((bits & p.bit) != 0) {
                    out.add(p.name().toLowerCase(java.util.Locale.ROOT));
                }
            }
            return java.util.List.copyOf(out);
        }
    }

    /** 157: PR_SET_NAME. */
    record Prctl(Header header, long option, String newName) implements TaskEvent {
        @Override
        public void fields(FieldSink out) {
            out.field("option", option);
            out.field("new_name", newName);
            out.field("res", header.res());
        }
    }

    /** 604: a non-root uid asking for root. */
    record UpdateCred(Header header, PidTree pidTree, long oldUid) implements TaskEvent {
        @Override
        public void fields(FieldSink out) {
            out.field("old_uid", oldUid);
            out.ancestry(pidTree);
            out.field("res", header.res());
        }
    }

    /** 1000 (internal): a fork, for the process cache. */
    record Fork(Header header, long parentPid) implements TaskEvent {
        @Override
        public void fields(FieldSink out) {
            out.field("parent_pid", parentPid);
            out.field("res", header.res());
        }
    }

    /** 1001 (internal): a cgroup v2 directory made or removed, for the container map. */
    record Cgroup(Header header, long cgroupId, boolean removed, String path) implements TaskEvent {
        @Override
        public void fields(FieldSink out) {
            out.field("cgroup_id", cgroupId);
            out.field("removed", removed);
            out.field("path", path);
            out.field("res", header.res());
        }
    }

    /** enum vigil_ns_action. */
    enum NamespaceAction {
        UNKNOWN, SETNS, UNSHARE, CLONE, CLONE3;

        static NamespaceAction of(long n) {
            return n >= 1 && n <= 4 ? values()[(int) n] : UNKNOWN;
        }

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * 708: a namespace joined or made. `flags` are CLONE_NEW* bits (setns: its nstype); setns names
     * the joined namespace by inode, and `file` is its kind ("uts") when the fd was a namespace file
     * (`nsFile`), else the fd's path (a pidfd).
     */
    record Namespace(Header header, PidTree pidTree, NamespaceAction action, long flags, long nsInode, boolean nsFile, String file)
            implements TaskEvent {
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

        @Override
        public void fields(FieldSink out) {
            out.field("action", action.label());
            out.field("flags", flags);
            out.field("namespaces", namespaces(flags));
            if (action == NamespaceAction.SETNS) {
                out.field("file", nsFile ? file + ":[" + Long.toUnsignedString(nsInode) + "]" : file);
                out.field("ns_inode", nsInode);
            }
            out.ancestry(pidTree);
            out.field("res", header.res());
        }
    }

    /** 709: a /proc/sys entry opened for writing. */
    record SysctlWrite(Header header, PidTree pidTree, long flags, String file) implements TaskEvent {
        /** kernel.core_pattern for /proc/sys/kernel/core_pattern. */
        public String sysctl() {
            return file.startsWith("/proc/sys/") ? file.substring(10).replace('/', '.') : file;
        }

        @Override
        public void fields(FieldSink out) {
            out.field("file", file);
            out.field("sysctl", sysctl());
            out.field("flags", flags);
            out.ancestry(pidTree);
            out.field("res", header.res());
        }
    }

    /** 704: capabilities set, of `targetPid` (0: itself); each set as a bit mask. */
    record Capset(Header header, PidTree pidTree, long targetPid, long effective, long permitted, long inheritable) implements TaskEvent {
        @Override
        public void fields(FieldSink out) {
            out.field("target_pid", targetPid);
            out.field("cap_effective", Capabilities.names(effective));
            out.field("cap_permitted", Capabilities.names(permitted));
            out.field("cap_inheritable", Capabilities.names(inheritable));
            out.ancestry(pidTree);
            out.field("res", header.res());
        }
    }

    /** 706: userfaultfd(2). */
    record Userfaultfd(Header header, PidTree pidTree, long flags) implements TaskEvent {
        @Override
        public void fields(FieldSink out) {
            out.field("flags", flags);
            out.ancestry(pidTree);
            out.field("res", header.res());
        }
    }

    /** 707: BPF_PROG_LOAD. */
    record BpfLoad(Header header, PidTree pidTree, long progType, String progName) implements TaskEvent {
        @Override
        public void fields(FieldSink out) {
            out.field("prog_type", progType);
            out.field("prog_name", progName);
            out.ancestry(pidTree);
            out.field("res", header.res());
        }
    }

    /** 702: a raw or packet socket; `socketType` without SOCK_NONBLOCK/SOCK_CLOEXEC. */
    record RawSocket(Header header, PidTree pidTree, long family, long socketType, long protocol) implements TaskEvent {
        @Override
        public void fields(FieldSink out) {
            out.field("sa_family", family);
            out.field("socket_type", socketType);
            out.field("socket_protocol", protocol);
            out.ancestry(pidTree);
            out.field("res", header.res());
        }
    }

    /** enum vigil_memory_access. */
    enum MemoryAccess {
        UNKNOWN("unknown"), VM_WRITE("process_vm_writev"), VM_READ("process_vm_readv"), PROC_OPEN("proc_open");

        private final String label;

        MemoryAccess(String label) {
            this.label = label;
        }

        static MemoryAccess of(long n) {
            return n >= 1 && n <= 3 ? values()[(int) n] : UNKNOWN;
        }

        public String label() {
            return label;
        }
    }

    /** 701: another process's memory; `flags` and `file` for /proc/PID/{mem,environ,maps} opened (PROC_OPEN). */
    record ProcessMemory(Header header, PidTree pidTree, MemoryAccess access, long targetPid, long targetStart, long flags, String file)
            implements TaskEvent {
        /** The access writes: process_vm_writev, or an open for writing. */
        public boolean write() {
            return access == MemoryAccess.PROC_OPEN ? (flags & 3) != 0 : access == MemoryAccess.VM_WRITE;
        }

        @Override
        public void fields(FieldSink out) {
            out.field("access", access.label());
            out.field("target_pid", targetPid);
            if (targetStart != 0) {
                out.field("target_start", targetStart);
            }
            if (access == MemoryAccess.PROC_OPEN) {
                out.field("file", file);
                out.field("flags", flags);
            }
            out.field("write", write());
            out.ancestry(pidTree);
            out.field("res", header.res());
        }
    }

    /** enum vigil_tamper. */
    enum TamperAction {
        UNKNOWN("unknown"), SIGNAL("signal"), PTRACE("ptrace"), PROC_MEM_WRITE("proc_mem_write"), VM_WRITE("process_vm_writev");

        private final String label;

        TamperAction(String label) {
            this.label = label;
        }

        static TamperAction of(long n) {
            return n >= 1 && n <= 4 ? values()[(int) n] : UNKNOWN;
        }

        public String label() {
            return label;
        }
    }

    /**
     * 700: another process acted on the agent. `detail` is the signal (SIGNAL), the ptrace request
     * (PTRACE) or the open flags (PROC_MEM_WRITE, with `file` the path opened); `targetPid` the
     * agent's thread acted on.
     */
    record AgentTamper(Header header, PidTree pidTree, TamperAction action, long detail, long targetPid, String file) implements TaskEvent {
        @Override
        public void fields(FieldSink out) {
            out.field("action", action.label());
            switch (action) {
                case SIGNAL -> out.field("sig", detail);
                case PTRACE -> out.field("ptrace_request", detail);
                case PROC_MEM_WRITE -> out.field("flags", detail);
                default -> { }
            }
            out.field("target_pid", targetPid);
            if (action == TamperAction.PROC_MEM_WRITE) {
                out.field("file", file);
            }
            out.ancestry(pidTree);
            out.field("res", header.res());
        }
    }

    /** 112 setsid, and a type sent in a task_event with nothing of its own: the result only. */
    record Plain(Header header) implements TaskEvent {
        @Override
        public void fields(FieldSink out) {
            out.field("res", header.res());
        }
    }
}
