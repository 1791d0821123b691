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
 * by one thread, so that the API server is answered at once and never waits on evaluation. It is
 * bounded in events and in the bytes of JSON they came as, so that a flood of large events cannot
 * take the heap the kernel's events need. What it cannot take, and every body refused, is counted
 * by cause.
 */
public final class AuditQueue implements AutoCloseable {
    public static final int CAPACITY = 50_000;
    /** The most JSON the queued events came as; parsed, they take a few times that on the heap. */
    public static final long MAX_BYTES = 4L << 20;

    private record Queued(Map<String, Object> event, long bytes) {}

    private final ArrayBlockingQueue<Queued> queue;
    private final long maxBytes;
    private final Thread drain;
    private final AtomicLong received = new AtomicLong(), queueFull = new AtomicLong(), failed = new AtomicLong(), queuedBytes = new AtomicLong();
    private final Map<String, LongAdder> refused = new ConcurrentHashMap<>();
    private volatile boolean closing;

    public AuditQueue(int capacity, Consumer<Map<String, Object>> consumer) {
        this(capacity, MAX_BYTES, consumer);
    }

    public AuditQueue(int capacity, long maxBytes, Consumer<Map<String, Object>> consumer) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.maxBytes = maxBytes;
        this.drain = Thread.ofPlatform().daemon().name("vigil-k8s-audit").start(() -> {
            while (!closing || !queue.isEmpty()) {
                Queued q;
                try {
                    q = queue.poll(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException stop) {
                    closing = true;
                    continue;
                }
                if (q != null) {
                    release(q.bytes());
                    try {
                        consumer.accept(q.event());
                    } catch (RuntimeException broken) {
                        failed.incrementAndGet(); // one event the pipeline could not take; the next ones still flow
                    }
                }
            }
        });
    }

    private void release(long bytes) {
        queuedBytes.addAndGet(-bytes);
        synchronized (queuedBytes) {
            queuedBytes.notifyAll();
        }
    }

    /**
     * The whole batch (that came as `bytes` of JSON), or none of it when the queue has no room for
     * all (counted): the sender may send it again. A batch always goes into an empty queue.
     */
    public synchronized boolean offerAll(List<Map<String, Object>> events, long bytes) {
        if (queue.remainingCapacity() < events.size() || !queue.isEmpty() && queuedBytes.get() + bytes > maxBytes) {
            queueFull.addAndGet(events.size());
            return false;
        }
        long each = events.isEmpty() ? 0 : bytes / events.size();
        queuedBytes.addAndGet(each * events.size());
        for (Map<String, Object> e : events) {
            queue.add(new Queued(e, each));
        }
        received.addAndGet(events.size());
        return true;
    }

    /** Whether a batch that came as `bytes` of JSON would fit now, before it is parsed: a sender that must wait is told so cheaply. */
    public boolean roomFor(long bytes) {
        return queue.isEmpty() || queuedBytes.get() + bytes <= maxBytes;
    }

    /** From a source that can wait (a file): waits for room for an event that came as `bytes` of JSON. */
    public void put(Map<String, Object> event, long bytes) throws InterruptedException {
        synchronized (queuedBytes) {
            while (!queue.isEmpty() && queuedBytes.get() + bytes > maxBytes) {
                queuedBytes.wait(100);
            }
        }
        queuedBytes.addAndGet(bytes);
        queue.put(new Queued(event, bytes));
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
                + " refused with the queue full (the webhook answered 503: the API server sends them again)" : "") + (failed.get() > 0 ? ", " + failed.get() + " failed in the pipeline" : "")
                + (refused.isEmpty() ? "" : ", bodies or lines refused " + refusedByCause());
    }

    /** Stops taking events and lets the drain finish what is queued. */
    @Override
    public void close() throws InterruptedException {
        closing = true;
        drain.join(10_000);
    }
}
