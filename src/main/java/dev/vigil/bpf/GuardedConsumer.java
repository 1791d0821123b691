package dev.vigil.bpf;

import java.lang.foreign.MemorySegment;

/**
 * Hands each record to a consumer that must not throw; a record it throws on is counted and
 * dropped, and the ring goes on. Both kinds of ring ({@link RingBuffer}, {@link MemoryRing}) read
 * through one, so that the reader's call to its consumer meets this class and the consumers it
 * guards from the first record on: with a single kind of consumer loaded, the JIT bound that call
 * to it, and threw the reader's compiled code away when the mapped ring's consumer came (the warm-up
 * had compiled it on a memory ring's records before the kernel's ring was opened).
 */
final class GuardedConsumer implements RingBuffer.Consumer {
    private final RingBuffer.Consumer consumer;
    private long failures;
    private Throwable lastFailure;

    GuardedConsumer(RingBuffer.Consumer consumer) {
        this.consumer = consumer;
    }

    @Override
    public void accept(MemorySegment record) {
        try {
            consumer.accept(record);
        } catch (Throwable t) {
            failures++;
            lastFailure = t;
        }
    }

    long failures() {
        return failures;
    }

    Throwable lastFailure() {
        return lastFailure;
    }
}
