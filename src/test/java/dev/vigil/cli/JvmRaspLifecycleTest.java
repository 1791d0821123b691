package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The RASP's life beside a JVM that outlives it: detached by `vigil rasp detach`, attached again by
 * the next `vigil run`, and the agent killed while the JVM sends: the application serves on
 * throughout, and what could not be sent is counted in the JVM and reported when Vigil is back.
 */
class JvmRaspLifecycleTest {
    private static boolean attached(JsonNode j) {
        return j.path("status").asText().equals("attached") && j.path("connected").asBoolean();
    }

    private static String rasp(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(AgentProcess.javaCommand());
        cmd.add("rasp");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "vigil rasp " + String.join(" ", args) + ": " + out);
        return out;
    }

    @Test
    void detachAttachAgainAndAnAgentKilledWhileTheJvmSends() throws Exception {
        AgentProcess.requireRoot();
        try (VulnerableJvm app = VulnerableJvm.start(VulnerableJvm.JAVA_25, null)) {
            try (AgentProcess first = AgentProcess.start(JvmRaspLiveTest.args())) {
                app.awaitState(JvmRaspLifecycleTest::attached, "attached");
                assertTrue(rasp("detach", Long.toString(app.pid())).contains("original classes back"));
                JsonNode s = app.awaitState(j -> j.path("status").asText().equals("detached"), "detached");
                assertTrue(s.path("reason").asText().contains("closed the connection"), s.toString());
                assertEquals("exit 0", app.get("/exec?cmd=" + VulnerableJvm.encode("true")), "the JVM serves on, detached");
                assertEquals(0, first.stop());
            }
            try (AgentProcess second = AgentProcess.start(JvmRaspLiveTest.args())) {
                app.awaitState(JvmRaspLifecycleTest::attached, "attached again");
                app.get("/exec?cmd=" + VulnerableJvm.encode("echo vigil-reattached"));
                second.await("Java command started while serving a request", x -> x.toString().contains("vigil-reattached"));
                second.process.destroyForcibly().waitFor();
            }
            for (int i = 0; i < 5; i++) {
                assertEquals("exit 0", app.get("/exec?cmd=" + VulnerableJvm.encode("echo vigil-while-away-" + i)), "the JVM serves on without its agent");
            }
            try (AgentProcess third = AgentProcess.start(JvmRaspLiveTest.args())) {
                JsonNode s = app.awaitState(j -> attached(j) && j.path("jvm").path("dropped").asLong() > 0, "reported what it dropped");
                assertTrue(s.path("jvm").path("dropped").asLong() >= 5, "each start while the agent was away: " + s);
                app.get("/exec?cmd=" + VulnerableJvm.encode("echo vigil-back"));
                third.await("Java command started while serving a request", x -> x.toString().contains("vigil-back"));
            }
        }
    }
}
