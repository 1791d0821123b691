package dev.vigil.enrich;

import dev.vigil.sensor.BootTime;

import java.time.Instant;

/** Kernel timestamps are CLOCK_BOOTTIME; this gives the offset that turns them into wall-clock time. */
final class BootClock {
    private BootClock() {}

    static long bootToWallOffsetNs() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano() - BootTime.now();
    }
}
