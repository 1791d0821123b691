package dev.vigil.sensor;

/**
 * How long the reader lets records gather before it drains. The programs wake the reader only with
 * the first record after a drain that found none (a wakeup costs a self-IPI in a VM): while events
 * keep coming the reader drains on its own clock, and on an idle host it wakes only for its
 * once-a-second work. Each drain that finds
 * events starts from cold caches (measured on a 2-core VM: about 300 µs of CPU per drain before the
 * first record's own cost, docs/benchmarks.md, round two), so while events keep coming the reader
 * drains every 35 ms: the first record of a drain waits that long, and the alert latency's p99
 * (47 ms with 40 here, its target 50) keeps a margin; the first events
 * after a quiet second are drained within 10 ms, so that an alert on a quiet host comes at once.
 * A burst still cuts the wait short (a program's submit forces a wakeup once the ring is a
 * sixteenth full).
 */
final class DrainPace {
    static final int QUIET_MS = 10;
    /** The wait while busy; a system property, so that the bench can measure the pace against a fixed 10 ms. */
    static final int BUSY_MS = Math.max(QUIET_MS, Integer.getInteger("vigil.drain.busy-ms", 35));
    /** How long after a drain that found records the host still counts as busy. */
    static final long BUSY_FOR_NS = 1_000_000_000L;

    private long lastRecordsNs;
    private boolean anyRecords, lastHadRecords;

    /** Whether the last drain found records: the reader then drains again after a gather, without waiting to be woken. */
    boolean busy() {
        return lastHadRecords;
    }

    /** How long to let records gather, at `nowNs`, before draining. */
    int gatherMs(long nowNs) {
        return anyRecords && nowNs - lastRecordsNs < BUSY_FOR_NS ? BUSY_MS : QUIET_MS;
    }

    /** Notes what a drain that ended at `nowNs` delivered. */
    void drained(int records, long nowNs) {
        lastHadRecords = records > 0;
        if (records > 0) {
            anyRecords = true;
            lastRecordsNs = nowNs;
        }
    }
}
