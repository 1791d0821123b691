package dev.vigil.store;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Work that may wait for the host's own: the calling thread's nice value raised, so that on a busy
 * host (a build on every core) the scheduler serves the workload first and this thread with what
 * is left. Only for work behind a bounded queue whose overflow is counted; detection never runs
 * here, so alerts keep their latency.
 */
final class Background {
    private static final int PRIO_PROCESS = 0;
    private static final MethodHandle GETTID, SETPRIORITY;

    static {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        GETTID = libc.find("gettid").map(f -> linker.downcallHandle(f, FunctionDescriptor.of(JAVA_INT))).orElse(null);
        SETPRIORITY = libc.find("setpriority").map(f -> linker.downcallHandle(f,
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT))).orElse(null);
    }

    private Background() {}

    /** Lowers the calling thread to `nice` (Linux applies it per thread); false where it could not. */
    static boolean lower(int nice) {
        if (GETTID == null || SETPRIORITY == null) {
            return false;
        }
        try {
            int tid = (int) GETTID.invokeExact();
            return (int) SETPRIORITY.invokeExact(PRIO_PROCESS, tid, nice) == 0;
        } catch (Throwable e) {
            return false;
        }
    }
}
