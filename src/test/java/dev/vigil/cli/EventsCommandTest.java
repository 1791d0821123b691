package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.sensor.KernelSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The command-line contract of 'vigil events', run as a separate process the way a user runs it. */
class EventsCommandTest {
    private static Process vigil(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.vigil.cli.Main"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).start();
    }

    @Test
    void readyThenJsonThenSummaryOnSigterm() throws Exception {
        boolean root = KernelSupport.isRoot();
        if (!root && "true".equals(System.getenv("CI"))) {
            fail("privileged tests must run as root under CI=true");
        }
        Assumptions.assumeTrue(root);
        Process p = vigil("events", "--hooks", "execve,exit");
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        assertEquals("ready", err.readLine());
        Process marker = new ProcessBuilder("/bin/echo", "vigil-cli-marker").start();
        marker.waitFor();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        ObjectMapper json = new ObjectMapper();
        JsonNode found = null;
        for (String line; found == null && (line = out.readLine()) != null; ) {
            JsonNode n = json.readTree(line);
            if (n.get("event").asText().equals("execve") && n.get("argv").asText().equals("/bin/echo vigil-cli-marker")) {
                found = n;
            }
        }
        assertTrue(found != null, "the marker exec reached stdout");
        // the host's other execs keep coming: drained, so that a full pipe never holds the stop up
        Thread.ofVirtual().start(() -> {
            try {
                out.transferTo(java.io.Writer.nullWriter());
            } catch (java.io.IOException closed) {
                // the process is gone
            }
        });
        assertEquals(59, found.get("data_type").asInt());
        assertEquals(1, found.get("schema").asInt());
        new ProcessBuilder("kill", "-TERM", String.valueOf(p.pid())).start().waitFor(); // Process.destroy() would close our pipes
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        String summary = err.readLine();
        assertTrue(summary.startsWith("vigil: ") && summary.contains(" events (") && summary.contains("lost 0"), summary);
    }

    @Test
    void aBadHookNameIsOneLineAndExitTwo() throws Exception {
        Process p = vigil("events", "--hooks", "execve,nosuchhook");
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, p.waitFor());
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains("unknown hook 'nosuchhook'"), err);
    }

    @Test
    void aBadFlagIsOneLineAndExitTwo() throws Exception {
        Process p = vigil("events", "--no-such-flag");
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, p.waitFor());
        assertEquals(1, err.lines().count(), err);
    }
}
