package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.enrich.RealDocker;
import dev.vigil.enrich.RealPodman;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A second runtime, for real: podman (rootful, conmon, runc here) under `vigil run` with the
 * stock pack. Its everyday work (run, exec, logs, inspect, stop, rm) raises nothing; a container
 * started with the host's /etc mounted, a binary copied in and run, and the container's own
 * shadow read each raise their alert, naming the container as podman knows it.
 */
class PodmanLiveTest {
    @Test
    void podmansWorkIsQuietAndWhatRunsInItsContainersIsSeen() throws Exception {
        AgentProcess.requireRoot();
        try (TempDir work = TempDir.create("vigil-podman"); RealPodman podman = RealPodman.start();
             AgentProcess agent = AgentProcess.start("--data", work.path().resolve("data").toString(), "--no-console", "--fold", "0")) {
            String box = podman.run(List.of("--name", "vigil-podman-box", "-v", "/etc:/host/etc:ro"), RealPodman.IMAGE, "sleep", "600");
            for (List<String> admin : List.of(List.of("exec", box, "ls", "/"), List.of("logs", box), List.of("inspect", box),
                    List.of("top", box), List.of("exec", box, "cat", "/etc/hostname"))) {
                RealDocker.Result r = podman.podman(admin.toArray(String[]::new));
                assertEquals(0, r.exit(), admin + ": " + r.out());
            }
            RealDocker.Result drift = podman.podman("exec", box, "sh", "-c", "cp /bin/busybox /tmp/id && /tmp/id");
            assertEquals(0, drift.exit(), drift.out());
            RealDocker.Result shadow = podman.podman("exec", box, "sh", "-c", "echo 'root:*:19000:0:99999:7:::' > /etc/shadow && /bin/head -c1 /etc/shadow");
            assertEquals(0, shadow.exit(), shadow.out());
            assertEquals(0, podman.podman("stop", "-t", "1", box).exit());
            assertEquals(0, podman.podman("rm", box).exit());

            JsonNode marker = agent.await(Corpus.MARKER_RULE, Corpus.marker());
            for (String rule : List.of("Container started with a sensitive host mount", "Downloaded or copied file run from a temporary directory",
                    "Sensitive file read by an unexpected program")) {
                JsonNode a = agent.await(rule, x -> "vigil-podman-box".equals(x.path("events").path(0).path("container_name").asText()));
                JsonNode e = a.path("events").path(0);
                assertEquals("podman", e.path("container_runtime").asText(), a.toString());
                assertTrue(box.startsWith(e.path("container_id").asText()), a.toString());
                assertTrue(e.path("container_image").asText().endsWith(RealPodman.IMAGE), a.toString());
            }
            Set<String> raised = new TreeSet<>();
            agent.alerts.forEach(a -> raised.add(a.path("rule").asText()));
            assertEquals(new TreeSet<>(Set.of(Corpus.MARKER_RULE, "Container started with a sensitive host mount",
                    "Downloaded or copied file run from a temporary directory", "Sensitive file read by an unexpected program",
                    "Account database written outside the account tools")), raised, "podman's own work raised nothing: " + marker);
        }
    }
}
