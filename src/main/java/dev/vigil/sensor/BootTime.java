package dev.vigil.sensor;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** CLOCK_BOOTTIME now, in ns: the clock of kernel event timestamps, for events made in userspace. */
public final class BootTime {
    private static final MethodHandle CLOCK_GETTIME;
    static {
        Linker l = Linker.nativeLinker();
        CLOCK_GETTIME = l.downcallHandle(l.defaultLookup().find("clock_gettime").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    }

    private BootTime() {}

    public static long now() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ts = arena.allocate(16);
            int rc = (int) CLOCK_GETTIME.invokeExact(7, ts);
            return rc != 0 ? 0 : ts.get(JAVA_LONG, 0) * 1_000_000_000L + ts.get(JAVA_LONG, 8);
        } catch (Throwable t) {
            return 0;
        }
    }
}
