package dev.vigil.cli;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** 'vigil rules check' and 'vigil replay' as separate processes: no kernel, no root needed. */
class RulesCommandTest {
    private static Process vigil(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.vigil.cli.Main"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).start();
    }

    @Test
    void checkIsCleanOnTheStockPackAndLocatesErrors() throws Exception {
        Process ok = vigil("rules", "check", StockPack.path().toString());
        ok.getInputStream().readAllBytes();
        assertEquals(0, ok.waitFor());

        Path bad = Files.createTempFile("vigil-bad", ".yaml");
        Files.writeString(bad, "- rule: r\n  condition: proc.name = bash and no.such.field = 1\n  output: x\n");
        Process p = vigil("rules", "check", bad.toString());
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.waitFor());
        assertTrue(out.contains(bad + ":2:35: rule 'r' skipped: unknown field 'no.such.field'"), out);
    }

    @Test
    void replayRunsTheRulesOverRecordedEvents() throws Exception {
        Path rec = Files.createTempFile("vigil-rec", ".jsonl");
        Files.writeString(rec, """
                {"ts":1,"event":"file_read","pid":77,"comm":"cat","exe":"/usr/bin/cat","file":"/etc/shadow","nodename":"h","res":3}
                not json
                {"ts":2,"event":"execve","pid":78,"comm":"ls","exe":"/usr/bin/ls","args":["ls"],"res":0}
                """);
        Process p = vigil("replay", rec.toString());
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.waitFor(), "a skipped line makes the exit status 1");
        assertEquals(1, out.lines().count(), out);
        assertTrue(out.contains("\"rule\":\"Sensitive file read by an unexpected program\""), out);
        assertTrue(err.contains(rec + ":2: not JSON") && err.contains("replayed 2 events (1 lines skipped)"), err);
    }
}
