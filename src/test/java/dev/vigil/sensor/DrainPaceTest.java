package dev.vigil.sensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DrainPaceTest {
    @Test
    void quietDrainsStayShortAndBusyOnesLengthenUpToTheCap() {
        DrainPace pace = new DrainPace();
        assertEquals(DrainPace.QUIET_MS, pace.waitMs());
        pace.drained(0);
        assertEquals(DrainPace.QUIET_MS, pace.waitMs(), "an idle host drains every 10 ms");
        pace.drained(2);
        assertEquals(DrainPace.QUIET_MS, pace.waitMs(), "a lone exec's records do not slow the next alert");
        pace.drained(12);
        assertEquals(Math.min(24, DrainPace.BUSY_MS), pace.waitMs());
        pace.drained(10_000);
        assertEquals(DrainPace.BUSY_MS, pace.waitMs(), "a storm waits no longer than the cap");
        pace.drained(1);
        assertEquals(DrainPace.QUIET_MS, pace.waitMs(), "back to short waits as soon as a drain finds little");
    }
}
