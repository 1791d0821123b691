package dev.vigil.bpf;

import java.lang.foreign.MemorySegment;

/** One program of a {@link BpfObject}. */
public final class BpfProgram {
    private final BpfObject object;
    private final MemorySegment handle;
    private final String name;
    private final String section;
    /** The loaded program's own descriptor, once the libbpf object that loaded it is let go (-1 before). */
    private int keptFd = -1;

    BpfProgram(BpfObject object, MemorySegment handle) throws Throwable {
        this.object = object;
        this.handle = handle;
        this.name = Libbpf.string((MemorySegment) Libbpf.PROGRAM_NAME.invokeExact(handle));
        this.section = Libbpf.string((MemorySegment) Libbpf.PROGRAM_SECTION.invokeExact(handle));
    }

    public String name() {
        return name;
    }

    /** The ELF section, which names the attach point, e.g. {@code tracepoint/syscalls/sys_enter_connect}. */
    public String section() {
        return section;
    }

    /** Its size in BPF instructions, before loading: a rough measure of the verifier's work. */
    long instructions() {
        try {
            return (long) Libbpf.PROGRAM_INSN_COUNT.invokeExact(handle());
        } catch (Throwable t) {
            throw new BpfException("program " + name + ": instructions", t);
        }
    }

    /**
     * What the kernel has counted for this loaded program: runs and total run time. It counts only
     * while {@code kernel.bpf_stats_enabled} is 1 (see {@link RunStats#enable()}); zeros when the
     * program is not loaded.
     */
    public RunStats stats() {
        int fd = loadedFd();
        return fd < 0 ? new RunStats(name, 0, 0) : RunStats.ofFd(name, fd);
    }

    /** The loaded program's descriptor (its own once kept, else its object's), or -1 when it is not loaded. */
    private int loadedFd() {
        return keptFd >= 0 ? keptFd : fd();
    }

    /** The libbpf program, while the object that loaded it is open. */
    private MemorySegment handle() {
        if (keptFd >= 0) {
            throw new BpfException("program " + name + ": its loader was let go after attaching", 22);
        }
        return handle;
    }

    private int fd() {
        try {
            return (int) Libbpf.PROGRAM_FD.invokeExact(handle());
        } catch (Throwable t) {
            throw new BpfException("program " + name + ": fd", t);
        }
    }

    /**
     * Keeps the loaded program by a descriptor of its own, before the libbpf object that loaded it
     * is closed: its statistics stay readable and its links stay as they are. Nothing when it is not loaded.
     */
    void keepLoaded() {
        int fd = fd();
        if (fd < 0) {
            return;
        }
        int own;
        try {
            own = (int) Libbpf.DUP.invokeExact(Libbpf.callState(), fd);
        } catch (Throwable t) {
            throw new BpfException("program " + name + ": dup", t);
        }
        if (own < 0) {
            throw new BpfException("program " + name + ": dup", Libbpf.errno());
        }
        keptFd = own;
    }

    /** Closes the descriptor {@link #keepLoaded()} took, if any. */
    void closeKept() {
        if (keptFd >= 0) {
            try {
                int ignored = (int) Libbpf.CLOSE.invokeExact(keptFd);
            } catch (Throwable t) {
                throw new BpfException("program " + name + ": close", t);
            } finally {
                keptFd = -1;
            }
        }
    }

    /** Whether {@link BpfObject#load()} loads this program; call before loading. */
    public void autoload(boolean on) {
        int rc;
        try {
            rc = (int) Libbpf.SET_AUTOLOAD.invokeExact(handle(), on);
        } catch (Throwable t) {
            throw new BpfException("program " + name + ": set autoload", t);
        }
        if (rc != 0) {
            throw new BpfException("program " + name + ": set autoload", rc);
        }
    }

    /**
     * Runs the loaded program once, now, on the calling thread (BPF_PROG_TEST_RUN, with no context:
     * raw_tp programs accept it), for a program that is never attached; its return value.
     */
    public int run() {
        int rc;
        int retval;
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            // struct bpf_test_run_opts: size_t sz, then pointers and sizes left zero; __u32 retval at 56
            MemorySegment opts = arena.allocate(80, 8);
            opts.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 80);
            rc = (int) Libbpf.PROG_TEST_RUN.invokeExact(loadedFd(), opts);
            retval = opts.get(java.lang.foreign.ValueLayout.JAVA_INT, 56);
        } catch (Throwable t) {
            throw new BpfException("program " + name + ": run", t);
        }
        if (rc != 0) {
            throw new BpfException("program " + name + ": run", rc);
        }
        return retval;
    }

    /** Attaches at the point its section names. */
    public BpfLink attach() {
        MemorySegment link;
        try {
            link = (MemorySegment) Libbpf.ATTACH.invokeExact(Libbpf.callState(), handle());
        } catch (Throwable t) {
            throw new BpfException("object " + object.name() + ": attach program " + name, t);
        }
        return linked(link, name, section);
    }

    /**
     * Attaches to another tracepoint with the same record format ("syscalls/sys_exit_rename"):
     * one program verified once serves every syscall it suits. The program reads `cookie` back
     * (bpf_get_attach_cookie) to know which one it is serving. The link is named `linkName`.
     */
    public BpfLink attachTracepoint(String tracepoint, String linkName, long cookie) {
        int slash = tracepoint.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("tracepoint " + tracepoint + " is not category/name");
        }
        MemorySegment link;
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            // struct bpf_tracepoint_opts { size_t sz; __u64 bpf_cookie; }
            MemorySegment opts = arena.allocate(16, 8);
            opts.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 16);
            opts.set(java.lang.foreign.ValueLayout.JAVA_LONG, 8, cookie);
            link = (MemorySegment) Libbpf.ATTACH_TRACEPOINT.invokeExact(Libbpf.callState(), handle(),
                    arena.allocateFrom(tracepoint.substring(0, slash)), arena.allocateFrom(tracepoint.substring(slash + 1)), opts);
        } catch (Throwable t) {
            throw new BpfException("object " + object.name() + ": attach program " + name + " at " + tracepoint, t);
        }
        return linked(link, linkName, "tracepoint/" + tracepoint);
    }

    private BpfLink linked(MemorySegment link, String linkName, String at) {
        if (link.equals(MemorySegment.NULL)) {
            int errno = Libbpf.errno();
            String log = LibbpfLog.drain().strip();
            String detail = log.isEmpty() ? "" : " [" + log.lines().reduce((a, b) -> b).orElse("") + "]";
            throw new BpfException("object " + object.name() + ": attach program " + name + " at " + at + detail, errno);
        }
        return new BpfLink(linkName, name, link);
    }
}
