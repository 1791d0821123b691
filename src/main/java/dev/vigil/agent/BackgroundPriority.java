package dev.vigil.agent;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Linux's nice value for the calling thread alone (setpriority on its thread id): work the agent
 * does for itself in the background, the integrity passes, then yields the CPU to what the host
 * runs, and so do the programs it starts. Best effort: where libc lacks gettid, nothing changes.
 */
final class BackgroundPriority {
    private BackgroundPriority() {}

    private static final int PRIO_PROCESS = 0;
    private static final int NICEST = 19;

    static boolean lowerThisThread() {
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle gettid = linker.downcallHandle(linker.defaultLookup().find("gettid").orElseThrow(), FunctionDescriptor.of(JAVA_INT));
            MethodHandle setpriority = linker.downcallHandle(linker.defaultLookup().find("setpriority").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
            int tid = (int) gettid.invokeExact();
            return (int) setpriority.invokeExact(PRIO_PROCESS, tid, NICEST) == 0;
        } catch (Throwable unavailable) {
            return false;
        }
    }
}
