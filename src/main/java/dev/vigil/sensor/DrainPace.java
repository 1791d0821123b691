package dev.vigil.sensor;

/**
 * How long the reader waits between drains of the ring. The programs do not wake it (a wakeup per
 * record costs a self-IPI in a VM), so it drains on a timer: every 10 ms while events are few, so
 * that an alert on a quiet host comes at once, and up to every 40 ms while they keep coming.
 * Each drain that finds events starts from cold caches (measured on a 2-core VM: about 300 µs of
 * CPU per drain before the first record's own cost, docs/benchmarks.md, round two), so during a
 * build fewer, larger drains cost the agent about half the CPU per exec; 40 ms keeps the alert
 * latency's p99 under its 50 ms target. A burst still wakes the reader early (a program's submit
 * forces a wakeup once the ring is a sixteenth full).
 */
final class DrainPace {
    static final int QUIET_MS = 10;
    /** The longest wait; a system property, so that the bench can measure the pace against a fixed 10 ms. */
    static final int BUSY_MS = Math.max(QUIET_MS, Integer.getInteger("vigil.drain.busy-ms", 40));
    /** Each record the last drain found lengthens the next wait by this much, up to {@link #BUSY_MS}. */
    private static final int MS_PER_RECORD = 2;

    private int waitMs = QUIET_MS;

    /** The wait before the next drain. */
    int waitMs() {
        return waitMs;
    }

    /** Sets the next wait from what the last drain delivered. */
    void drained(int records) {
        waitMs = Math.clamp((long) records * MS_PER_RECORD, QUIET_MS, BUSY_MS);
    }
}
