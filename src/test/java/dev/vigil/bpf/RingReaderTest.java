package dev.vigil.bpf;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ring's consumer side on memory laid out as the kernel lays it out (no kernel needed). */
class RingReaderTest {
    private static final int DATA = 256;

    /** A ring in memory, written as the kernel writes one, of 256 bytes so that records wrap. */
    private static final class Ring {
        final List<byte[]> out = new ArrayList<>();
        final MemoryRing ring = new MemoryRing(DATA, r -> out.add(r.toArray(JAVA_BYTE)));

        void put(byte[] record, int flags) {
            try (Arena a = Arena.ofConfined()) {
                assertTrue(ring.put(a.allocateFrom(JAVA_BYTE, record), flags));
            }
        }

        List<byte[]> read(int max) {
            assertEquals(ring.read(max), out.size());
            List<byte[]> read = List.copyOf(out);
            out.clear();
            return read;
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
        assertEquals(r.ring.produced(), r.ring.consumed());
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
            assertArrayEquals(rec, got.get(0), "round " + round + " at " + r.ring.consumed() % DATA);
        }
    }

    @Test
    void aDiscardedRecordIsSkippedAndABusyOneStopsTheRead() {
        Ring r = new Ring();
        r.put(bytes(8, 1), RingReader.DISCARD);
        r.put(bytes(8, 2), 0);
        long beforeBusy = r.ring.produced();
        r.put(bytes(8, 3), RingReader.BUSY);
        r.put(bytes(8, 4), 0);
        List<byte[]> got = r.read(100);
        assertEquals(1, got.size());
        assertArrayEquals(bytes(8, 2), got.get(0));
        assertEquals(beforeBusy, r.ring.consumed(), "the consumer waits at the record still being written");
        r.ring.data().set(JAVA_INT, beforeBusy % DATA, 8); // submitted
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
    void aFullRingTakesNoMoreUntilItIsRead() {
        Ring r = new Ring();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment rec = a.allocateFrom(JAVA_BYTE, bytes(24, 7)); // 32 bytes with its header: 8 fill the ring
            for (int i = 0; i < DATA / 32; i++) {
                assertTrue(r.ring.write(rec), "record " + i);
            }
            assertFalse(r.ring.write(rec));
            assertEquals(1, r.read(1).size());
            assertTrue(r.ring.write(rec));
            assertEquals(DATA / 32, r.read(100).size());
        }
    }

    @Test
    void aRecordTheConsumerThrowsOnIsCountedAndTheNextStillComes() {
        List<Long> taken = new ArrayList<>();
        try (Arena a = Arena.ofConfined(); MemoryRing ring = new MemoryRing(DATA, rec -> {
            if (rec.byteSize() == 1) {
                throw new IllegalStateException("refused");
            }
            taken.add(rec.byteSize());
        })) {
            assertTrue(ring.write(a.allocateFrom(JAVA_BYTE, (byte) 1)));
            assertTrue(ring.write(a.allocateFrom(JAVA_BYTE, (byte) 1, (byte) 2)));
            assertEquals(2, ring.read(100));
            assertEquals(List.of(2L), taken);
            assertEquals(1, ring.consumerFailures());
            assertEquals("refused", ring.lastFailure().getMessage());
        }
    }

    @Test
    void dataNotAPowerOfTwoIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new MemoryRing(100, r -> { }));
    }
}
