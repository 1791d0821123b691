package dev.vigil.sensor;

import dev.vigil.bpf.BpfObject;
import dev.vigil.event.Event;
import dev.vigil.event.ExecEvent;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decoding on byte fixtures: well-formed records decode, damaged ones are rejected, never trusted. */
class RecordDecoderTest {
    private final RecordDecoder decoder = new RecordDecoder();

    /** An exec record with argv "ls\0-la\0" and exe "/bin/ls". */
    static MemorySegment execRecord(Arena arena) {
        return SampleRecords.exec(arena, new SampleRecords.Exec(4242, 0, "ls", "/bin/ls", List.of("ls", "-la"), List.of(), "", "init"));
    }

    private static void ref(MemorySegment rec, String field, int off, int len) {
        long at = Offsets.of(Wire.EXEC, field);
        rec.set(JAVA_SHORT, at, (short) off);
        rec.set(JAVA_SHORT, at + 2, (short) len);
    }

    @Test
    void wellFormedExec() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Event e = decoder.decode(execRecord(arena));
            ExecEvent x = (ExecEvent) e;
            assertEquals(4242, x.header().pid());
            assertEquals("ls", x.header().comm());
            assertEquals("/bin/ls", x.exe());
            assertEquals(List.of("ls", "-la"), x.args());
            assertEquals("4242.ls<1.init", x.pidTree().elkeid());
        }
    }

    /** A build's execs inherit one environment: decoded once, the same list for each, and a changed one decoded afresh. */
    @Test
    void anEnvironmentLikeThePreviousExecsIsTheSameList() throws Exception {
        List<String> env = List.of("PATH=/usr/bin:/bin", "HOME=/home/build", "LD_PRELOAD=/tmp/x.so");
        try (Arena arena = Arena.ofConfined()) {
            ExecEvent a = (ExecEvent) decoder.decode(SampleRecords.exec(arena, new SampleRecords.Exec(1, 0, "cc", "/usr/bin/cc", List.of("cc"), env, "", "make")));
            ExecEvent b = (ExecEvent) decoder.decode(SampleRecords.exec(arena, new SampleRecords.Exec(2, 0, "as", "/usr/bin/as", List.of("as"), env, "", "cc")));
            ExecEvent c = (ExecEvent) decoder.decode(SampleRecords.exec(arena, new SampleRecords.Exec(3, 0, "ld", "/usr/bin/ld", List.of("ld"),
                    List.of("PATH=/usr/bin:/bin", "HOME=/home/build", "LD_PRELOAD=/tmp/y.so"), "", "cc")));
            assertEquals(env, a.env());
            assertSame(a.env(), b.env(), "the second exec's environment is the first's list");
            assertEquals(List.of("PATH=/usr/bin:/bin", "HOME=/home/build", "LD_PRELOAD=/tmp/y.so"), c.env());
            assertEquals("/tmp/y.so", c.ldPreload());
        }
    }

    /** The header's comm bytes of an exec record: all 16 set as given, the rest of the field zeroed. */
    private static MemorySegment withComm(MemorySegment rec, byte[] comm) {
        long at = Offsets.of(Wire.HEADER, "comm");
        rec.asSlice(at, Wire.COMM_LEN).fill((byte) 0);
        MemorySegment.copy(comm, 0, rec, JAVA_BYTE, at, comm.length);
        return rec;
    }

    /**
     * Comms are read as two words and kept: what follows the first zero byte never counts, a comm
     * of all sixteen bytes is whole, bytes that are not UTF-8 stay recoverable, and names that share
     * a prefix or differ in their last byte stay apart however often they repeat.
     */
    @Test
    void commsDecodeExactlyAtEveryLength() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            String[] names = {"", "a", "sh", "sshd", "seven77", "eight888", "nine99999", "fifteen15151515", "sixteen161616161"};
            for (int round = 0; round < 2; round++) { // the second round meets each comm as one seen before
                for (String name : names) {
                    MemorySegment rec = withComm(execRecord(arena), name.getBytes(StandardCharsets.US_ASCII));
                    assertEquals(name, decoder.decode(rec).header().comm(), "comm of " + name.length() + " bytes");
                }
            }
            byte[] garbageAfterEnd = "sh\0leftover-bytes".getBytes(StandardCharsets.US_ASCII);
            assertEquals("sh", decoder.decode(withComm(execRecord(arena), java.util.Arrays.copyOf(garbageAfterEnd, 16))).header().comm());
            assertEquals("sshe", decoder.decode(withComm(execRecord(arena), "sshe".getBytes(StandardCharsets.US_ASCII))).header().comm());
            assertEquals("eight889", decoder.decode(withComm(execRecord(arena), "eight889".getBytes(StandardCharsets.US_ASCII))).header().comm());
            byte[] notUtf8 = {'x', (byte) 0xff, 'y'};
            String decoded = decoder.decode(withComm(execRecord(arena), notUtf8)).header().comm();
            assertEquals("x\udcffy", decoded);
            assertTrue(java.util.Arrays.equals(notUtf8, dev.vigil.event.Text.encode(decoded)));
            ExecEvent deep = (ExecEvent) decoder.decode(SampleRecords.withAncestry(execRecord(arena), List.of(
                    new dev.vigil.event.PidTree.Node(10, 1, "cc"), new dev.vigil.event.PidTree.Node(9, 1, "fifteen15151515"),
                    new dev.vigil.event.PidTree.Node(8, 1, "fifteen1515151"), new dev.vigil.event.PidTree.Node(1, 1, ""))));
            assertEquals("10.cc<9.fifteen15151515<8.fifteen1515151<1.", deep.pidTree().elkeid());
        }
    }

    @Test
    void truncatedRecordsAreRejected() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rec = execRecord(arena);
            assertThrows(MalformedRecordException.class, () -> decoder.decode(rec.asSlice(0, 20)));
            // The header claims the full size, the segment holds less.
            assertThrows(MalformedRecordException.class, () -> decoder.decode(rec.asSlice(0, rec.byteSize() - 3)));
            MemorySegment shortFixed = arena.allocate(Wire.HEADER.byteSize() + 8, 8);
            shortFixed.set(JAVA_INT, 0, 59);
            shortFixed.set(JAVA_INT, 4, (int) shortFixed.byteSize());
            assertThrows(MalformedRecordException.class, () -> decoder.decode(shortFixed));
        }
    }

    @Test
    void oversizedOrOutOfBoundsReferencesAreRejected() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rec = execRecord(arena);
            ref(rec, "argv", (int) rec.byteSize() - 2, 500);
            MalformedRecordException e = assertThrows(MalformedRecordException.class, () -> decoder.decode(rec));
            assertTrue(e.getMessage().contains("argv"), e.getMessage());
            MemorySegment rec2 = execRecord(arena);
            ref(rec2, "exe", 4, 8); // points into the fixed part
            assertThrows(MalformedRecordException.class, () -> decoder.decode(rec2));
        }
    }

    @Test
    void unknownTypeIsRejected() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rec = execRecord(arena);
            rec.set(JAVA_INT, 0, 777);
            assertThrows(MalformedRecordException.class, () -> decoder.decode(rec));
        }
    }

    @Test
    void malformedRecordsAreCountedByTheSensor() {
        LiveSensor s = LiveSensor.get();
        Sensor sensor = s.stream().sensor();
        long before = s.stream().losses().total("decode");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rec = execRecord(arena);
            sensor.onRecord(rec.asSlice(0, 16));
        }
        assertEquals(before + 1, s.stream().losses().total("decode"));
        assertTrue(s.stream().losses().byHook().get("execve").get("decode") >= 1, "counted under the record's hook");
    }

    @Test
    void javaLayoutsMatchTheBtfOfTheObject() {
        try (BpfObject obj = BpfObject.open("vigil", Sensor.objectBytes())) {
            assertEquals(List.of(), WireCheck.differences(obj.btf()));
        }
    }
}
