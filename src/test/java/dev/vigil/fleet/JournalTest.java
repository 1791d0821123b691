package dev.vigil.fleet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The agent's spool: records come back in order, across a restart; when full, the oldest go and are counted. */
class JournalTest {
    private static List<String> drain(Journal j) throws Exception {
        List<String> out = new ArrayList<>();
        while (!j.isEmpty()) {
            if (j.oldest() == null) {
                j.seal();
            }
            Path segment = j.oldest();
            for (Journal.Entry e : Journal.read(segment)) {
                out.add(e.topic() + ":" + new String(e.value(), StandardCharsets.UTF_8));
            }
            j.done(segment);
        }
        return out;
    }

    @Test
    void recordsComeBackInOrderAcrossARestart(@TempDir Path dir) throws Exception {
        Journal j = new Journal(dir.resolve("spool"), 64L << 20);
        for (int i = 0; i < 1000; i++) {
            j.append(i % 2 == 0 ? "vigil.events" : "vigil.heartbeats", ("record " + i).getBytes(StandardCharsets.UTF_8));
        }
        j.close();
        Journal again = new Journal(dir.resolve("spool"), 64L << 20);
        List<String> out = drain(again);
        assertEquals(1000, out.size());
        assertEquals("vigil.events:record 0", out.getFirst());
        assertEquals("vigil.heartbeats:record 999", out.getLast());
        assertTrue(again.isEmpty());
        try (var left = Files.list(dir.resolve("spool"))) {
            assertEquals(0, left.count(), "sent segments are gone from disk");
        }
    }

    @Test
    void aFullJournalDropsTheOldestAndCountsThem(@TempDir Path dir) throws Exception {
        Journal j = new Journal(dir.resolve("spool"), 10L << 20); // 10 MiB: a few 4 MiB segments
        byte[] value = new byte[64 * 1024];
        int n = 400; // 25 MiB offered
        for (int i = 0; i < n; i++) {
            value[0] = (byte) i;
            j.append("vigil.events", value);
        }
        long dropped = j.dropped();
        assertTrue(dropped > 0, "something had to go");
        List<String> out = drain(j);
        assertEquals(n, out.size() + dropped, "every record is either kept or counted as dropped");
    }
}
