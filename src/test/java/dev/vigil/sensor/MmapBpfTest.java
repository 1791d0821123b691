package dev.vigil.sensor;

import dev.vigil.event.EventType;
import dev.vigil.event.TaskEvent;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** mmap.bpf.c: files mapped as code, reported only from places someone other than root can write. */
class MmapBpfTest {
    @Test
    void aLibraryFromTmpIsReportedTheSystemsIsNot() throws Exception {
        LiveSensor s = LiveSensor.get();
        Path dir = Files.createTempDirectory("vigil-mmap");
        try {
            Path copy = Files.copy(Path.of("/bin/true"), dir.resolve("libcopy.so"));
            // the system's file first: had it been reported, it would be this process's first mmap_exec
            LiveSensor.Triggered t = LiveSensor.trigger("map-exec", "/bin/true", copy.toString());
            var e = (TaskEvent.MmapExec) s.await("mmap_exec from " + t.pid(), ev -> ev.type() == EventType.MMAP_EXEC && ev.header().pid() == t.pid());
            assertEquals(copy.toString(), e.file());
            assertEquals(5, e.prot(), "PROT_READ | PROT_EXEC");
            assertEquals(0, e.fileUid());
            assertTrue(e.place().containsAll(List.of("world_writable_dir", "marked_dir")), "/tmp is 1777 and marked: " + e.place());
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }
}
