package dev.vigil.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Collects what libbpf prints (warnings, the verifier log) instead of letting it reach stderr,
 * so that a failure can carry it and a clean run stays quiet. Its debug lines (one per relocation,
 * tens of thousands while the agent's object loads) are not formatted at all: what a failure
 * reports is at warning and information level.
 */
final class LibbpfLog {
    private static final int MAX_CHARS = 1 << 20;
    /** libbpf_print_level: LIBBPF_WARN 0, LIBBPF_INFO 1, LIBBPF_DEBUG 2. */
    private static final int DEBUG = 2;
    private static final StringBuilder LOG = new StringBuilder();
    private static volatile boolean installed;

    private LibbpfLog() {}

    static synchronized void install() {
        if (installed) {
            return;
        }
        try {
            var target = MethodHandles.lookup().findStatic(LibbpfLog.class, "print",
                    MethodType.methodType(int.class, int.class, MemorySegment.class, MemorySegment.class));
            MemorySegment stub = Libbpf.LINKER.upcallStub(target, FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), Arena.global());
            MemorySegment previous = (MemorySegment) Libbpf.SET_PRINT.invokeExact(stub);
            installed = previous != null;
        } catch (Throwable t) {
            throw new BpfException("install libbpf log", t);
        }
    }

    /** libbpf_print_fn_t: formats with vsnprintf, since the va_list cannot be read from Java. */
    private static int print(int level, MemorySegment format, MemorySegment args) {
        if (level >= DEBUG) {
            return 0;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096);
            int n = (int) Libbpf.VSNPRINTF.invokeExact(buf, 4096L, format, args);
            if (n > 0) {
                synchronized (LOG) {
                    if (LOG.length() > MAX_CHARS) {
                        LOG.delete(0, LOG.length() / 2);
                    }
                    LOG.append(buf.getString(0));
                }
            }
            return n;
        } catch (Throwable t) {
            return 0;
        }
    }

    /** Returns and clears what libbpf printed since the last call, and lets go of the room it took. */
    static String drain() {
        synchronized (LOG) {
            String s = LOG.toString();
            LOG.setLength(0);
            LOG.trimToSize();
            return s;
        }
    }
}
