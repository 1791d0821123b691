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
