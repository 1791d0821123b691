package dev.vigil.sensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DrainPaceTest {
    private static final long MS = 1_000_000L;

    @Test
    void firstEventsAfterQuietDrainSoonAndEventsThatKeepComingGather() {
        DrainPace pace = new DrainPace();
        long t = 5_000 * MS;
        assertEquals(DrainPace.QUIET_MS, pace.gatherMs(t), "a host that never had an event: the first one is drained within 10 ms");
        pace.drained(0, t);
        assertEquals(DrainPace.QUIET_MS, pace.gatherMs(t + MS), "a drain that found nothing does not make the host busy");
        assertFalse(pace.busy(), "nothing found: the reader sleeps until the kernel wakes it");
        pace.drained(3, t + 10 * MS);
        assertTrue(pace.busy(), "records found: the reader drains again on its own clock");
        assertEquals(DrainPace.BUSY_MS, pace.gatherMs(t + 20 * MS), "events a moment ago: let the next ones gather");
        assertEquals(DrainPace.BUSY_MS, pace.gatherMs(t + 10 * MS + DrainPace.BUSY_FOR_NS - 1));
        assertEquals(DrainPace.QUIET_MS, pace.gatherMs(t + 10 * MS + DrainPace.BUSY_FOR_NS), "quiet for a second: drain soon again");
        pace.drained(0, t + 30 * MS);
        assertFalse(pace.busy(), "a drain that found nothing: back to waiting to be woken");
    }
}
