package dev.vigil.k8saudit;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Between the audit sources (the webhook, a followed file) and the rules: a bounded queue drained
 * by one thread, so that the API server is answered at once and never waits on evaluation. What
 * it cannot take, and every body refused, is counted by cause.
 */
public final class AuditQueue implements AutoCloseable {
    public static final int CAPACITY = 50_000;

    private final ArrayBlockingQueue<Map<String, Object>> queue;
    private final Thread drain;
    private final AtomicLong received = new AtomicLong(), queueFull = new AtomicLong(), failed = new AtomicLong();
    private final Map<String, LongAdder> refused = new ConcurrentHashMap<>();
    private volatile boolean closing;

    public AuditQueue(int capacity, Consumer<Map<String, Object>> consumer) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.drain = Thread.ofPlatform().daemon().name("vigil-k8s-audit").start(() -> {
            while (!closing || !queue.isEmpty()) {
                Map<String, Object> e;
                try {
                    e = queue.poll(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException stop) {
                    closing = true;
                    continue;
                }
                if (e != null) {
                    try {
                        consumer.accept(e);
                    } catch (RuntimeException broken) {
                        failed.incrementAndGet(); // one event the pipeline could not take; the next ones still flow
                    }
                }
            }
        });
    }

    /** The whole batch, or none of it when the queue has no room for all (counted): the sender may send it again. */
    public synchronized boolean offerAll(List<Map<String, Object>> events) {
        if (queue.remainingCapacity() < events.size()) {
            queueFull.addAndGet(events.size());
            return false;
        }
        queue.addAll(events);
        received.addAndGet(events.size());
        return true;
    }

    /** From a source that can wait (a file): waits for room. */
    public void put(Map<String, Object> event) throws InterruptedException {
        queue.put(event);
        received.incrementAndGet();
    }

    /** A body or line refused, by cause (malformed, too_large, unauthorized…). */
    public void refused(String cause) {
        refused.computeIfAbsent(cause, c -> new LongAdder()).increment();
    }

    public long received() {
        return received.get();
    }

    /** Events dropped because the queue was full. */
    public long queueFull() {
        return queueFull.get();
    }

    public Map<String, Long> refusedByCause() {
        Map<String, Long> out = new TreeMap<>();
        refused.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** One line for the agent's summary. */
    public String summary() {
        return "Kubernetes audit: " + received.get() + " events received" + (queueFull.get() > 0 ? ", " + queueFull.get()
                + " dropped with the queue full" : "") + (failed.get() > 0 ? ", " + failed.get() + " failed in the pipeline" : "")
                + (refused.isEmpty() ? "" : ", bodies or lines refused " + refusedByCause());
    }

    /** Stops taking events and lets the drain finish what is queued. */
    @Override
    public void close() throws InterruptedException {
        closing = true;
        drain.join(10_000);
    }
}
