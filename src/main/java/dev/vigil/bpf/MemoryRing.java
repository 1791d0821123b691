package dev.vigil.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A ring in ordinary memory, laid out and written as the kernel lays out and writes a BPF ring
 * buffer, and read by the same {@link RingReader} as a mapped one. The agent's warm-up runs its
 * made-up records through it, so that the reader's code is compiled before the first kernel record
 * comes; the reader's tests write through it what the kernel would.
 */
public final class MemoryRing implements AutoCloseable {
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment consumerPage = arena.allocate(8, 8), producerPage = arena.allocate(8, 8), data;
    private final RingReader reader;
    private final GuardedConsumer guarded;

    /** `size`: the data's bytes, a power of two; `consumer` is handed each record as it is read. */
    public MemoryRing(int size, RingBuffer.Consumer consumer) {
        guarded = new GuardedConsumer(consumer);
        try {
            data = arena.allocate(size, 8);
            reader = new RingReader(consumerPage, producerPage, data);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Commits `record` as bpf_ringbuf_submit leaves one; false when the ring has no room for it. */
    public boolean write(MemorySegment record) {
        return put(record, 0);
    }

    /**
     * Writes `record` with the header's `flags` ({@link RingReader#BUSY}: reserved and not yet
     * submitted; {@link RingReader#DISCARD}), wrapping at the data's end as the kernel does.
     */
    boolean put(MemorySegment record, int flags) {
        long prod = producerPage.get(JAVA_LONG, 0), size = data.byteSize();
        long step = (record.byteSize() + RingReader.HEADER + 7) & ~7L;
        if (prod + step - consumerPage.get(JAVA_LONG, 0) > size) {
            return false;
        }
        data.set(JAVA_INT, prod & (size - 1), (int) record.byteSize() | flags);
        long at = (prod + RingReader.HEADER) & (size - 1), first = Math.min(record.byteSize(), size - at);
        MemorySegment.copy(record, 0, data, at, first);
        MemorySegment.copy(record, first, data, 0, record.byteSize() - first);
        producerPage.set(JAVA_LONG, 0, prod + step);
        return true;
    }

    /**
     * Hands the committed records to the consumer in order, at most `max`, as a drain of a mapped ring
     * does; returns how many. A record the consumer throws on is counted and dropped.
     */
    public int read(int max) {
        return reader.read(guarded, max);
    }

    /** Records the consumer threw on (each one dropped). */
    public long consumerFailures() {
        return guarded.failures();
    }

    public Throwable lastFailure() {
        return guarded.lastFailure();
    }

    /** The data, for a test that changes a header in place. */
    MemorySegment data() {
        return data;
    }

    long consumed() {
        return consumerPage.get(JAVA_LONG, 0);
    }

    long produced() {
        return producerPage.get(JAVA_LONG, 0);
    }

    @Override
    public void close() {
        arena.close();
    }
}
