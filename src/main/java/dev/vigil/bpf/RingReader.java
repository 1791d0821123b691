package dev.vigil.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The consumer's side of a BPF ring buffer, over its memory as the kernel lays it out: the
 * consumer's position alone in a page the reader writes, the producer's position in the next
 * page, then the data. Each record is an 8-byte header (its length, with a busy bit while the
 * producer writes it and a discard bit) and the record, 8-byte aligned.
 *
 * <p>libbpf maps the data twice in a row, so that a record running past the end reads in one
 * piece; the kernel inserts every page of both mappings at mmap time, so the second copy was
 * 16 MiB of the agent's resident memory. Here the data is mapped once, and the rare record that
 * wraps is copied into one piece before it is handed on.
 */
final class RingReader {
    static final int HEADER = 8;
    static final int BUSY = 1 << 31, DISCARD = 1 << 30;
    private static final VarHandle POSITION = JAVA_LONG.varHandle();
    private static final VarHandle LENGTH = JAVA_INT.varHandle();

    private final MemorySegment consumerPage, producerPage, data;
    private final long mask;
    /**
     * Where a record that wraps is joined, grown as needed: native memory, 8-byte aligned, so that
     * the decoder only ever sees one kind of segment (a second kind costs the JIT's type checks).
     */
    private MemorySegment joined = Arena.ofAuto().allocate(4096, 8);

    /** `data` is the data area once, its size a power of two. */
    RingReader(MemorySegment consumerPage, MemorySegment producerPage, MemorySegment data) {
        if (Long.bitCount(data.byteSize()) != 1) {
            throw new IllegalArgumentException("ring data of " + data.byteSize() + " bytes: not a power of two");
        }
        this.consumerPage = consumerPage;
        this.producerPage = producerPage;
        this.data = data;
        this.mask = data.byteSize() - 1;
    }

    /** Whether the producer has moved past the consumer: a record is there, or being written. */
    boolean hasRecords() {
        return (long) POSITION.getAcquire(producerPage, 0L) != (long) POSITION.getAcquire(consumerPage, 0L);
    }

    /**
     * Hands committed records to `sink` in order until the ring is empty, the next record is still
     * being written, or `max` records were handed on; returns how many were. The consumer position
     * moves past each record as it is read, so the producer can reuse the space at once.
     */
    int read(RingBuffer.Consumer sink, int max) {
        int handed = 0;
        long cons = (long) POSITION.getAcquire(consumerPage, 0L);
        boolean more = true;
        while (more) {
            more = false;
            long prod = (long) POSITION.getAcquire(producerPage, 0L);
            while (cons < prod) {
                long at = cons & mask;
                int header = (int) LENGTH.getAcquire(data, at);
                if ((header & BUSY) != 0) {
                    return handed;
                }
                int length = header & ~DISCARD;
                cons += (length + HEADER + 7) & ~7L;
                more = true;
                if ((header & DISCARD) == 0) {
                    sink.accept(record((at + HEADER) & mask, length));
                    handed++;
                }
                POSITION.setRelease(consumerPage, 0L, cons);
                if (handed >= max) {
                    return handed;
                }
            }
        }
        return handed;
    }

    private MemorySegment record(long start, int length) {
        long first = Math.min(length, data.byteSize() - start);
        return first == length ? data.asSlice(start, length) : joined(start, length, first);
    }

    /**
     * A record that wraps, copied into one piece. A method of its own: the JIT's first tier inlines
     * the memory API's copies wherever they are called, and inside {@link #record} they made the
     * common path's compilation 10 - 17 ms instead of 0.4 - 0.5 (docs/benchmarks.md).
     */
    private MemorySegment joined(long start, int length, long first) {
        if (joined.byteSize() < length) {
            joined = Arena.ofAuto().allocate(length, 8);
        }
        MemorySegment.copy(data, start, joined, 0, first);
        MemorySegment.copy(data, 0, joined, first, length - first);
        return joined.asSlice(0, length);
    }
}
