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

    @Test
    void aBatchGoesInWholeOrNotAtAll() throws Exception {
        CountDownLatch taken = new CountDownLatch(1), release = new CountDownLatch(1);
        List<Object> seen = new CopyOnWriteArrayList<>();
        AuditQueue q = new AuditQueue(2, ev -> {
            taken.countDown();
            try {
                release.await();
            } catch (InterruptedException stop) {
                Thread.currentThread().interrupt();
            }
            seen.add(ev.get("audit_id"));
        });
        assertTrue(q.offerAll(List.of(e("a"))));
        assertTrue(taken.await(10, TimeUnit.SECONDS), "the drain took the first event and holds it");
        assertFalse(q.offerAll(List.of(e("b"), e("c"), e("d"))), "three do not fit in two places");
        assertTrue(q.offerAll(List.of(e("b"), e("c"))));
        assertFalse(q.offerAll(List.of(e("d"))), "full");
        assertEquals(4, q.queueFull());
        release.countDown();
        q.close();
        assertEquals(List.of("a", "b", "c"), seen);
        assertEquals(3, q.received());
        assertTrue(q.summary().contains("3 events received, 4 dropped with the queue full"), q.summary());
    }
}
