package dev.vigil.agent;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostQuietTest {
    @Test
    void aSecondIsQuietWhenLessThanAQuarterOfTheCpusWasBusy() {
        // {all ticks, idle + iowait ticks}: two CPUs over one second are 200 ticks
        assertTrue(HostQuiet.quiet(new long[] {1_000, 800}, new long[] {1_200, 960}), "40 busy of 200");
        assertFalse(HostQuiet.quiet(new long[] {1_000, 800}, new long[] {1_200, 900}), "a build on one core of two: 100 of 200");
        assertFalse(HostQuiet.quiet(new long[] {1_000, 800}, new long[] {1_200, 940}), "60 of 200 is not below a quarter");
        assertTrue(HostQuiet.quiet(new long[] {1_000, 800}, new long[] {1_000, 800}), "no ticks counted: nothing to wait for");
    }

    @Test
    void thisHostsProcStatIsRead() {
        long[] t = HostQuiet.ticks();
        assertNotNull(t, "the first line of /proc/stat");
        assertTrue(t[0] > 0 && t[1] >= 0 && t[1] <= t[0]);
    }

    /** Every CPU kept busy: no window is quiet, and the wait ends at its deadline, not before. */
    @Test
    void aBusyHostHoldsTheWaitToItsDeadline() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean spin = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.List<Thread> spinners = new java.util.ArrayList<>();
        for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
            spinners.add(Thread.ofPlatform().daemon().start(() -> {
                long n = 0;
                while (spin.get()) {
                    n++;
                }
            }));
        }
        try {
            long start = System.nanoTime(), deadline = start + Duration.ofMillis(800).toNanos();
            assertTrue(HostQuiet.await(deadline, new CountDownLatch(1), Duration.ofMillis(100)));
            assertTrue(System.nanoTime() >= deadline, "returned before its deadline on a busy host");
        } finally {
            spin.set(false);
            for (Thread t : spinners) {
                t.join();
            }
        }
    }

    @Test
    void aStopEndsTheWaitAtOnce() throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        stop.countDown();
        assertFalse(HostQuiet.await(Duration.ofMinutes(2), stop));
    }
}
