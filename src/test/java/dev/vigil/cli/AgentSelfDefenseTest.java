package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 'vigil run' defends itself: SIGHUP reloads (and does not stop it), every signal, ptrace attach,
 * /proc/PID/mem write and process_vm_writev aimed at it is a CRITICAL alert naming the sender, a
 * SIGKILL is reported by the next start, and its alert file is its own.
 */
class AgentSelfDefenseTest {
    private static final String TAMPER = "Vigil agent tampered with";

    private static String trigger() {
        return Path.of("target/test-bin/trigger").toAbsolutePath().toString();
    }

    private static long run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor();
        return p.pid();
    }

    @Test
    void sighupReloadsAndEveryActOnTheAgentIsAnAlert() throws Exception {
        Path rules = Files.createTempFile("vigil-hup", ".yaml");
        Files.writeString(rules, "- rule: before\n  condition: evt.type = execve and proc.cmdline contains vigil-hup-marker\n  output: before\n");
        FileTime fixed = Files.getLastModifiedTime(rules);
        try (AgentProcess agent = AgentProcess.start("--hooks", "execve", "--rules", rules.toString())) {
            // same mtime, new content: only SIGHUP can make it load
            Files.writeString(rules, "- rule: after\n  condition: evt.type = execve and proc.cmdline contains vigil-hup-marker\n  output: after\n");
            Files.setLastModifiedTime(rules, fixed);
            agent.signal("HUP");
            agent.awaitStderr(l -> l.startsWith("vigil: rules reloaded: 1 detections"));
            assertTrue(agent.process.isAlive(), "SIGHUP reloads; it does not stop the agent");
            run("/bin/echo", "vigil-hup-marker");
            agent.await("after", a -> true);
            JsonNode hup = agent.await(TAMPER, a -> a.get("output").asText().contains("received SIGHUP"));
            assertEquals("CRITICAL", hup.get("priority").asText());
            assertTrue(hup.get("output").asText().contains("(kill,"), hup.get("output").asText());

            long attacher = run(trigger(), "ptrace-attach", String.valueOf(agent.pid()));
            agent.await(TAMPER, a -> a.get("action").asText().equals("ptrace") && pidOf(a) == attacher);
            agent.await(TAMPER, a -> a.get("output").asText().contains("received SIGSTOP") && pidOf(a) == attacher);

            long writer = run(trigger(), "vm-write", String.valueOf(agent.pid()));
            agent.await(TAMPER, a -> a.get("action").asText().equals("process_vm_writev") && pidOf(a) == writer);

            long opener = run("/bin/sh", "-c", "exec 3<>/proc/" + agent.pid() + "/mem");
            JsonNode mem = agent.await(TAMPER, a -> a.get("action").asText().equals("proc_mem_write") && pidOf(a) == opener);
            assertTrue(mem.get("output").asText().contains("/proc/" + agent.pid() + "/mem"), mem.get("output").asText());

            assertEquals(0, agent.stop(), "SIGTERM stops it cleanly");
            agent.await(TAMPER, a -> a.get("output").asText().contains("received SIGTERM"));
            assertTrue(agent.stderr.stream().anyMatch(l -> l.matches("vigil: \\d+ alerts \\(\\d+ tamper\\).*")), agent.stderr.toString());
        }
    }

    @Test
    void aSigkillIsReportedByTheNextStart() throws Exception {
        AgentProcess first = AgentProcess.start("--hooks", "execve");
        long killer = run("/bin/kill", "-KILL", String.valueOf(first.pid()));
        assertTrue(first.process.waitFor(20, TimeUnit.SECONDS));
        assertEquals(137, first.process.exitValue());
        try (AgentProcess second = AgentProcess.start("--hooks", "execve")) {
            JsonNode a = second.await(TAMPER, x -> x.get("previous_run").asBoolean());
            assertTrue(a.get("output").asText().contains("received SIGKILL from pid " + killer), a.get("output").asText());
            assertEquals(first.pid(), a.get("agent_pid").asLong());
        }
        // reported once: a third start after a clean stop has nothing to say about earlier runs
        try (AgentProcess third = AgentProcess.start("--hooks", "execve")) {
            // a report of earlier runs comes before "ready"; a marker alert raised after it proves the output was read that far
            third.await(Corpus.MARKER_RULE, Corpus.marker());
            assertFalse(third.alerts.stream().anyMatch(x -> x.path("previous_run").asBoolean()), third.alerts.toString());
        }
    }

    @Test
    void theAlertFileIsOwnerOnlyAndNeverALink() throws Exception {
        Path dir = Files.createTempDirectory("vigil-alerts");
        Path target = dir.resolve("precious");
        Files.writeString(target, "keep\n");
        Path link = dir.resolve("alerts.jsonl");
        Files.createSymbolicLink(link, target);
        Process p = new ProcessBuilder(concat(AgentProcess.javaCommand(), "run", "--alerts", link.toString(), "--duration", "1")).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, p.waitFor(), err);
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains("symbolic link"), err);
        assertEquals("keep\n", Files.readString(target), "nothing written through the link");

        Path hard = dir.resolve("hard.jsonl");
        Files.createLink(hard, target);
        Process h = new ProcessBuilder(concat(AgentProcess.javaCommand(), "run", "--alerts", hard.toString(), "--duration", "1")).start();
        String herr = new String(h.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, h.waitFor(), herr);
        assertTrue(herr.contains("hard links"), herr);

        AgentProcess.requireRoot();
        Path fresh = dir.resolve("fresh.jsonl");
        Process ok = new ProcessBuilder(concat(AgentProcess.javaCommand(), "run", "--hooks", "execve", "--alerts", fresh.toString(),
                "--duration", "1")).start();
        ok.getErrorStream().readAllBytes();
        assertEquals(0, ok.waitFor());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)));
    }

    private static long pidOf(JsonNode alert) {
        return alert.get("events").get(0).get("pid").asLong();
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> out = new java.util.ArrayList<>(head);
        out.addAll(List.of(tail));
        return out;
    }
}
