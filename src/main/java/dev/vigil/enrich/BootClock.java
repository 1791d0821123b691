package dev.vigil.enrich;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.time.Instant;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Kernel timestamps are CLOCK_BOOTTIME; this gives the offset that turns them into wall-clock time. */
final class BootClock {
    private static final int CLOCK_BOOTTIME = 7;
    private static final MethodHandle CLOCK_GETTIME;
    static {
        Linker linker = Linker.nativeLinker();
        CLOCK_GETTIME = linker.downcallHandle(linker.defaultLookup().find("clock_gettime").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    }

    private BootClock() {}

    static long bootNs() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ts = arena.allocate(16);
            int rc = (int) CLOCK_GETTIME.invokeExact(CLOCK_BOOTTIME, ts);
            if (rc != 0) {
                return 0;
            }
            return ts.get(JAVA_LONG, 0) * 1_000_000_000L + ts.get(JAVA_LONG, 8);
        } catch (Throwable t) {
            return 0;
        }
    }

    static long bootToWallOffsetNs() {
        Instant now = Instant.now();
        long wall = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        return wall - bootNs();
    }
}
