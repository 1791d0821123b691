package dev.vigil.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Downcalls into libbpf.so.1 (and libc: the log's vsnprintf, the ring buffer's epoll wait) through the FFM API. Package-private plumbing. */
final class Libbpf {
    static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBBPF = load();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> STATE = ThreadLocal.withInitial(() -> Arena.global().allocate(CALL_STATE));

    static final MethodHandle OPEN_MEM = errnoCall("bpf_object__open_mem", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    static final MethodHandle OBJECT_LOAD = call("bpf_object__load", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle OBJECT_CLOSE = call("bpf_object__close", FunctionDescriptor.ofVoid(ADDRESS));
    static final MethodHandle OBJECT_BTF = call("bpf_object__btf", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle NEXT_PROGRAM = call("bpf_object__next_program", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle NEXT_MAP = call("bpf_object__next_map", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle MAP_NAME = call("bpf_map__name", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle MAP_REUSE_FD = call("bpf_map__reuse_fd", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle PROGRAM_INSN_COUNT = call("bpf_program__insn_cnt", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
    static final MethodHandle FIND_MAP = call("bpf_object__find_map_by_name", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle PROGRAM_NAME = call("bpf_program__name", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle PROGRAM_SECTION = call("bpf_program__section_name", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle PROGRAM_FD = call("bpf_program__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle PROG_TEST_RUN = call("bpf_prog_test_run_opts", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    static final MethodHandle SET_AUTOLOAD = call("bpf_program__set_autoload", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_BOOLEAN));
    static final MethodHandle ATTACH = errnoCall("bpf_program__attach", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle ATTACH_TRACEPOINT = errnoCall("bpf_program__attach_tracepoint_opts",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle LINK_DESTROY = call("bpf_link__destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle MAP_SET_PIN_PATH = call("bpf_map__set_pin_path", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle MAP_FD = call("bpf_map__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle MAP_VALUE_SIZE = call("bpf_map__value_size", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle MAP_UPDATE = call("bpf_map__update_elem",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG));
    static final MethodHandle MAP_LOOKUP = call("bpf_map__lookup_elem",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG));
    static final MethodHandle MAP_DELETE = call("bpf_map__delete_elem",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG));
    static final MethodHandle NUM_POSSIBLE_CPUS = call("libbpf_num_possible_cpus", FunctionDescriptor.of(JAVA_INT));
    static final MethodHandle SET_PRINT = call("libbpf_set_print", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle STRERROR = call("libbpf_strerror", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
    static final MethodHandle BTF_FIND = call("btf__find_by_name_kind", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    static final MethodHandle BTF_TYPE_COUNT = call("btf__type_cnt", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle BTF_TYPE = call("btf__type_by_id", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
    static final MethodHandle BTF_NAME = call("btf__name_by_offset", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
    static final MethodHandle VSNPRINTF = LINKER.downcallHandle(LIBC.find("vsnprintf").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
    static final MethodHandle EPOLL_CREATE1 = libcErrnoCall("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    static final MethodHandle EPOLL_CTL = libcErrnoCall("epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    static final MethodHandle EPOLL_WAIT = LINKER.downcallHandle(LIBC.find("epoll_wait").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    static final MethodHandle EVENTFD = libcErrnoCall("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    static final MethodHandle WRITE = LINKER.downcallHandle(LIBC.find("write").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    static final MethodHandle CLOSE = LINKER.downcallHandle(LIBC.find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    static final MethodHandle DUP = libcErrnoCall("dup", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    static final MethodHandle MMAP = libcErrnoCall("mmap", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    static final MethodHandle MUNMAP = LINKER.downcallHandle(LIBC.find("munmap").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    static final MethodHandle PAGE_SIZE = LINKER.downcallHandle(LIBC.find("getpagesize").orElseThrow(), FunctionDescriptor.of(JAVA_INT));
    static final MethodHandle MAP_MAX_ENTRIES = call("bpf_map__max_entries", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    /** glibc's mallopt parameter: the size from which malloc maps a block of its own, unmapped when freed. */
    private static final int M_MMAP_THRESHOLD = -3;

    static {
        keepLargeBlocksOutOfTheArenas();
    }

    private Libbpf() {}

    /**
     * Loading parses the kernel's BTF into blocks of megabytes, freed afterwards. glibc raises its
     * mmap threshold to the size of each mapped block freed, so later blocks of that size come from
     * a thread's arena, where they stayed resident once freed: 10 - 14 MiB of the agent's memory in
     * most starts (docs/benchmarks.md). Setting the threshold fixes it at its default (128 KiB):
     * large blocks are mapped and go back to the system when freed.
     */
    private static void keepLargeBlocksOutOfTheArenas() {
        try {
            MethodHandle mallopt = LINKER.downcallHandle(LIBC.find("mallopt").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
            int ignored = (int) mallopt.invokeExact(M_MMAP_THRESHOLD, 128 * 1024);
        } catch (Throwable notGlibc) {
            // another C library: its own policy stands
        }
    }

    private static SymbolLookup load() {
        for (String name : new String[] {"libbpf.so.1", "/usr/lib/x86_64-linux-gnu/libbpf.so.1", "/lib64/libbpf.so.1"}) {
            try {
                return SymbolLookup.libraryLookup(name, Arena.global());
            } catch (IllegalArgumentException notThere) {
                // try the next name
            }
        }
        throw new NotSupportedException("libbpf", "libbpf.so.1 not found: install it (Debian: apt-get install libbpf1)");
    }

    private static MethodHandle call(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LIBBPF.find(name).orElseThrow(() -> new NotSupportedException("libbpf", "libbpf lacks " + name)), fd);
    }

    /** A downcall whose first parameter is {@link #callState()}, where errno lands after the call. */
    private static MethodHandle errnoCall(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LIBBPF.find(name).orElseThrow(() -> new NotSupportedException("libbpf", "libbpf lacks " + name)),
                fd, Linker.Option.captureCallState("errno"));
    }

    private static MethodHandle libcErrnoCall(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(), fd, Linker.Option.captureCallState("errno"));
    }

    static MemorySegment callState() {
        return STATE.get();
    }

    /** errno saved by the last errno-capturing call on this thread. */
    static int errno() {
        return (int) ERRNO.get(STATE.get(), 0L);
    }

    static String strerror(int err) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256);
            int rc = (int) STRERROR.invokeExact(Math.abs(err), buf, 256L);
            return rc == 0 ? buf.getString(0) : "error " + err;
        } catch (Throwable t) {
            return "error " + err;
        }
    }

    static String string(MemorySegment p) {
        return p.equals(MemorySegment.NULL) ? "" : p.reinterpret(4096).getString(0);
    }

    static int possibleCpus() {
        try {
            return (int) NUM_POSSIBLE_CPUS.invokeExact();
        } catch (Throwable t) {
            throw new BpfException("libbpf_num_possible_cpus", t);
        }
    }
}
