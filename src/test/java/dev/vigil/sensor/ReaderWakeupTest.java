package dev.vigil.sensor;

import dev.vigil.event.EventType;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The programs ask the kernel to wake the reader only while it sleeps until a first record
 * (lib/common.h's emit, RingBuffer.awaitFirstRecord): a reader that drains on its own clock is
 * not woken, and a record written meanwhile is found when it next waits. A sensor of its own with
 * the exec hook only, read here by hand (no stream thread), so the waits are this test's.
 */
class ReaderWakeupTest {
    private static final int WAIT_MS = 60_000;

    @Test
    void onlyAReaderWaitingForAFirstRecordIsWokenAndOneWrittenBeforeIsFound() throws Exception {
        LiveSensor.requireRoot();
        AtomicInteger execs = new AtomicInteger();
        try (Sensor sensor = Sensor.open(SensorOptions.of(EnumSet.of(EventType.EXECVE)), e -> {
            if (e.type() == EventType.EXECVE) {
                execs.incrementAndGet();
            }
        })) {
            settle(sensor);
            runTrue();
            assertFalse(sensor.awaitRecords(0), "an exec while the reader drains on its own clock woke it");
            assertTrue(sensor.awaitFirstRecord(0), "the exec's record, written while no one waited, is found by the look at the ring");
            int before = execs.get();
            sensor.drain();
            assertTrue(execs.get() > before, "the record found is the exec's");

            settle(sensor);
            CompletableFuture<Boolean> woken = CompletableFuture.supplyAsync(() -> sensor.awaitFirstRecord(WAIT_MS));
            while (!sensor.readerWaiting() && !woken.isDone()) {
                Thread.onSpinWait(); // until the reader has said it waits: the exec must come after, to be what wakes it
            }
            runTrue();
            assertTrue(woken.get(WAIT_MS * 2L, TimeUnit.MILLISECONDS), "an exec while the reader waited for a first record did not wake it");
            assertFalse(sensor.readerWaiting(), "the reader says it waits after its wait ended");
        }
    }

    /** Drains the ring and takes any wakeup already announced, so that the next wait sees only what follows. */
    private static void settle(Sensor sensor) {
        do {
            sensor.drain();
        } while (sensor.awaitRecords(0));
        sensor.drain();
    }

    private static void runTrue() throws Exception {
        Process p = new ProcessBuilder("/bin/true").start();
        assertEquals(0, p.waitFor());
    }
}
