package dev.vigil.k8saudit;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The audit queue takes a batch whole or not at all, counts what it could not take, and hands on all it took. */
class AuditQueueTest {
    private static Map<String, Object> e(String id) {
        return Map.of("audit_id", id);
    }

    /** A drain that holds the first event it takes until `release`, so that what follows stays queued; what it took goes to `seen`. */
    private static java.util.function.Consumer<Map<String, Object>> held(CountDownLatch taken, CountDownLatch release, List<Object> seen) {
        return ev -> {
            taken.countDown();
            try {
                release.await();
            } catch (InterruptedException stop) {
                Thread.currentThread().interrupt();
            }
            seen.add(ev.get("audit_id"));
        };
    }

    @Test
    void aBatchGoesInWholeOrNotAtAll() throws Exception {
        CountDownLatch taken = new CountDownLatch(1), release = new CountDownLatch(1);
        List<Object> seen = new CopyOnWriteArrayList<>();
        AuditQueue q = new AuditQueue(2, held(taken, release, seen));
        assertTrue(q.offerAll(List.of(e("a")), 10));
        assertTrue(taken.await(10, TimeUnit.SECONDS), "the drain took the first event and holds it");
        assertFalse(q.offerAll(List.of(e("b"), e("c"), e("d")), 30), "three do not fit in two places");
        assertTrue(q.offerAll(List.of(e("b"), e("c")), 20));
        assertFalse(q.offerAll(List.of(e("d")), 10), "full");
        assertEquals(4, q.queueFull());
        release.countDown();
        q.close();
        assertEquals(List.of("a", "b", "c"), seen);
        assertEquals(3, q.received());
        assertTrue(q.summary().contains("3 events received, 4 refused with the queue full"), q.summary());
    }

    @Test
    void aBatchThatWouldPassTheByteBoundWaitsButAnEmptyQueueTakesAnyBatch() throws Exception {
        CountDownLatch taken = new CountDownLatch(1), release = new CountDownLatch(1);
        List<Object> seen = new CopyOnWriteArrayList<>();
        AuditQueue q = new AuditQueue(100, 100, held(taken, release, seen));
        assertTrue(q.offerAll(List.of(e("big")), 500), "an empty queue takes a batch larger than its bound");
        assertTrue(taken.await(10, TimeUnit.SECONDS));
        assertTrue(q.offerAll(List.of(e("a"), e("b")), 60));
        assertFalse(q.offerAll(List.of(e("c")), 50), "60 + 50 bytes pass the bound of 100");
        assertTrue(q.offerAll(List.of(e("c")), 40));
        release.countDown();
        q.close();
        assertEquals(List.of("big", "a", "b", "c"), seen);
        assertEquals(1, q.queueFull());
    }
}
