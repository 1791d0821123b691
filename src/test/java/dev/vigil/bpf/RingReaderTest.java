package dev.vigil.bpf;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The ring's consumer side on memory laid out as the kernel lays it out (no kernel needed). */
class RingReaderTest {
    private static final int DATA = 256;

    /** A ring in memory: the consumer's page, the producer's, and the data once. */
    private static final class Ring {
        final Arena arena = Arena.ofConfined();
        final MemorySegment consumer = arena.allocate(8, 8), producer = arena.allocate(8, 8), data = arena.allocate(DATA, 8);
        final RingReader reader = new RingReader(consumer, producer, data);

        /** Writes a record as bpf_ringbuf_submit leaves it (or as reserved and not yet submitted: busy). */
        void put(byte[] record, int flags) {
            long prod = producer.get(JAVA_LONG, 0);
            data.set(JAVA_INT, prod % DATA, record.length | flags);
            for (int i = 0; i < record.length; i++) {
                data.set(JAVA_BYTE, (prod + RingReader.HEADER + i) % DATA, record[i]);
            }
            producer.set(JAVA_LONG, 0, prod + ((record.length + RingReader.HEADER + 7) & ~7));
        }

        List<byte[]> read(int max) {
            List<byte[]> out = new ArrayList<>();
            reader.read(r -> out.add(r.toArray(JAVA_BYTE)), max);
            return out;
        }
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed + i);
        }
        return b;
    }

    @Test
    void recordsInOrderAndTheConsumerPositionFollows() {
        Ring r = new Ring();
        r.put(bytes(5, 1), 0);
        r.put(bytes(16, 2), 0);
        List<byte[]> got = r.read(100);
        assertEquals(2, got.size());
        assertArrayEquals(bytes(5, 1), got.get(0));
        assertArrayEquals(bytes(16, 2), got.get(1));
        assertEquals(r.producer.get(JAVA_LONG, 0), r.consumer.get(JAVA_LONG, 0));
        assertEquals(0, r.read(100).size());
    }

    /** The data is mapped once: a record that runs past the end arrives joined, byte for byte. */
    @Test
    void aRecordThatWrapsArrivesWhole() {
        Ring r = new Ring();
        for (int round = 0; round < 20; round++) {
            byte[] rec = bytes(37 + round * 5, round);
            r.put(rec, 0);
            List<byte[]> got = r.read(100);
            assertEquals(1, got.size());
            assertArrayEquals(rec, got.get(0), "round " + round + " at " + r.consumer.get(JAVA_LONG, 0) % DATA);
        }
    }

    @Test
    void aDiscardedRecordIsSkippedAndABusyOneStopsTheRead() {
        Ring r = new Ring();
        r.put(bytes(8, 1), RingReader.DISCARD);
        r.put(bytes(8, 2), 0);
        long beforeBusy = r.producer.get(JAVA_LONG, 0);
        r.put(bytes(8, 3), RingReader.BUSY);
        r.put(bytes(8, 4), 0);
        List<byte[]> got = r.read(100);
        assertEquals(1, got.size());
        assertArrayEquals(bytes(8, 2), got.get(0));
        assertEquals(beforeBusy, r.consumer.get(JAVA_LONG, 0), "the consumer waits at the record still being written");
        r.data.set(JAVA_INT, beforeBusy % DATA, 8); // submitted
        assertEquals(2, r.read(100).size());
    }

    @Test
    void aBudgetStopsTheReadAndTheRestStays() {
        Ring r = new Ring();
        for (int i = 0; i < 5; i++) {
            r.put(bytes(4, i), 0);
        }
        assertEquals(3, r.read(3).size());
        List<byte[]> rest = r.read(100);
        assertEquals(2, rest.size());
        assertArrayEquals(bytes(4, 3), rest.get(0));
    }

    @Test
    void dataNotAPowerOfTwoIsRefused() {
        try (Arena a = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class, () -> new RingReader(a.allocate(8), a.allocate(8), a.allocate(100)));
        }
    }
}
