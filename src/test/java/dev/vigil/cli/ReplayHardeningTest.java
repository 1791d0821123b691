package dev.vigil.cli;

import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** 'vigil replay' over hostile recordings: each bad line is named as file:line and skipped; the good ones still alert. */
class ReplayHardeningTest {
    private static final String GOOD =
            "{\"ts\":1,\"event\":\"file_read\",\"pid\":77,\"comm\":\"cat\",\"exe\":\"/usr/bin/cat\",\"file\":\"/etc/shadow\",\"nodename\":\"h\",\"res\":3}\n";

    @Test
    void badLinesAreNamedAndSkipped() throws Exception {
        Path rec = Files.createTempFile("vigil-hostile", ".jsonl");
        try (OutputStream out = Files.newOutputStream(rec)) {
            out.write("null\n".getBytes(StandardCharsets.UTF_8));                                   // 1
            out.write(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xff, (byte) 0xfe, '"', '}', '\n'}); // 2
            out.write("[1,2,3]\n".getBytes(StandardCharsets.UTF_8));                                // 3
            out.write('"');                                                                         // 4: 21 MB string
            byte[] chunk = new byte[1 << 20];
            java.util.Arrays.fill(chunk, (byte) 'a');
            for (int i = 0; i < 21; i++) {
                out.write(chunk);
            }
            out.write("\"\n".getBytes(StandardCharsets.UTF_8));
            out.write("{\"pid\":\"forty\",\"args\":{\"x\":1},\"pid_tree\":7,\"ancestors\":\"no\",\"ts\":\"t\",\"event\":[1]}\n"
                    .getBytes(StandardCharsets.UTF_8));                                             // 5: odd types, still an event
            out.write("[".repeat(5000).getBytes(StandardCharsets.UTF_8));                           // 6: nesting
            out.write('\n');
            out.write(GOOD.getBytes(StandardCharsets.UTF_8));                                       // 7
        }
        Path folder = Files.createTempDirectory("vigil-folder");
        CommandLineTest.Result r = CommandLineTest.vigil("replay", rec.toString(), folder.toString());
        assertEquals(1, r.status(), "lines were skipped: " + r.err());
        assertTrue(r.err().contains(rec + ":1: a JSON null, not an event object; skipped"), r.err());
        assertTrue(r.err().contains(rec + ":2: not UTF-8 text; skipped"), r.err());
        assertTrue(r.err().contains(rec + ":3: a JSON array, not an event object (nor audit events: item 0 is not an object); skipped"), r.err());
        assertTrue(r.err().contains(rec + ":4: longer than 16 MiB; not read; skipped"), r.err());
        assertTrue(r.err().contains(rec + ":6: not JSON"), r.err());
        assertTrue(r.err().contains(folder + ": is a folder, not a file of events; skipped"), r.err());
        assertTrue(r.err().contains("replayed 2 events (5 lines skipped), 1 alerts"), r.err());
        assertTrue(!r.err().contains("rule evaluation errors"), "odd value types make no rule throw: " + r.err());
        assertEquals(1, r.out().lines().count(), r.out());
        assertTrue(r.out().contains("Sensitive file read by an unexpected program"), r.out());
        assertTrue(r.err().lines().noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception")), r.err());
    }

    @Test
    void rulesThatCannotBeReadStopTheReplay() throws Exception {
        Path rec = Files.createTempFile("vigil-rec", ".jsonl");
        Files.writeString(rec, GOOD);
        CommandLineTest.Result r = CommandLineTest.vigil("replay", "--rules", "/no/such/rules.yaml", rec.toString());
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("/no/such/rules.yaml: no such rule file or folder"), r.err());
        assertEquals("", r.out());
    }
}
