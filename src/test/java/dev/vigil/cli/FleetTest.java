package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.fleet.LocalBroker;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fleet mode on a real broker: the KRaft broker `vigil broker` runs (Kafka's own server from
 * Maven Central's artifacts, on loopback), `vigil agent` publishing this host's events under a
 * host id, `vigil server` consuming them as a consumer group: an attacker's move on this host
 * becomes an alert at the server. A rule set pushed with `vigil rules push` takes effect at the
 * server; a broken one reaching the server is refused there and the previous rules keep running.
 */
class FleetTest {
    private static int freePortPair() throws Exception {
        for (int i = 0; i < 50; i++) {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            try (ServerSocket next = new ServerSocket(port + 1)) {
                return port;
            } catch (java.io.IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no two free ports in a row");
    }

    @Test
    void anAttackOnAnAgentsHostIsAlertedAtTheServer() throws Exception {
        AgentProcess.requireRoot();
        try (TempDir work = TempDir.create("vigil-fleet")) {
            int port = freePortPair();
            try (LocalBroker broker = LocalBroker.start(work.path().resolve("broker"), port);
                 AgentProcess server = AgentProcess.command(StormTest.jvmOptions(), "server", "--kafka", broker.bootstrap(),
                         "--data", work.path().resolve("server").toString(), "--no-console", "--fold", "0");
                 AgentProcess agent = AgentProcess.command(StormTest.jvmOptions(), "agent", "--kafka", broker.bootstrap(),
                         "--host-id", "fleet-host-1", "--heartbeat", "1")) {
                Path stamp = Files.createFile(work.path().resolve("stamp"));
                JsonNode alert = null;
                for (int i = 0; i < 6 && alert == null; i++) { // the first records wait for the topic to be made
                    new ProcessBuilder("setsid", "touch", "-d", "2001-01-01", stamp.toString()).start().waitFor();
                    for (int wait = 0; wait < 50 && alert == null; wait++) {
                        Thread.sleep(200);
                        alert = server.alerts.stream().filter(a -> a.path("rule").asText().startsWith("Timestamps forged")).findFirst().orElse(null);
                    }
                }
                assertTrue(alert != null, "no timestomping alert at the server: " + server.alerts + "; agent: " + agent.stderr
                        + "; server: " + server.stderr);

                Path marker = work.path().resolve("marker.yaml");
                Files.writeString(marker, "- rule: Fleet marker\n  condition: spawned_process and proc.name = true and proc.args contains vigil-fleet-marker\n"
                        + "  output: \"marker %proc.cmdline\"\n  priority: WARNING\n");
                List<String> push = new java.util.ArrayList<>(AgentProcess.javaCommand());
                push.addAll(List.of("rules", "push", "--kafka", broker.bootstrap(), "--add-rules", marker.toString()));
                Process pusher = new ProcessBuilder(push).redirectErrorStream(true).start();
                String pushed = new String(pusher.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                assertEquals(0, pusher.waitFor(), pushed);
                server.awaitStderr(l -> l.contains("rule set pushed") && l.contains("loaded"));
                new ProcessBuilder("/bin/true", "vigil-fleet-marker").start().waitFor();
                server.await("Fleet marker", a -> a.get("output").asText().contains("vigil-fleet-marker"));

                // a set that passed where it was pushed from but not here (another version, say): refused, the marker rule stays
                dev.vigil.fleet.RulesFeed.push(broker.bootstrap(), java.util.Map.of(), "vigil.rules", new dev.vigil.fleet.RulesFeed.Push(
                        java.util.Map.of("broken.yaml", "- rule: Broken\n  condition: evt.type = = execve\n  output: x\n"), true, 1, "test"));
                server.awaitStderr(l -> l.contains("refused, the previous rules keep running"));
                server.alerts.clear();
                new ProcessBuilder("/bin/true", "vigil-fleet-marker", "again").start().waitFor();
                server.await("Fleet marker", a -> a.get("output").asText().contains("again"));
                assertEquals(0, agent.stop());
                String published = agent.awaitStderr(l -> l.matches("vigil: \\d+ records delivered to Kafka, \\d+ failed.*"));
                assertTrue(published.contains(", 0 failed"), published);
                assertEquals(0, server.stop());
                String summary = server.awaitStderr(l -> l.matches("vigil: \\d+ events from \\d+ hosts, \\d+ alerts.*"));
                assertTrue(summary.contains("from 1 hosts"), summary);
            }
        }
    }
}
