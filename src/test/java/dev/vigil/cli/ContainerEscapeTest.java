package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.enrich.RealDocker;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Host files reached from a real container through a bind mount, under `vigil run` with the stock
 * pack: the container names them by its own paths (/host/…), the watch that matched names the
 * host's file, and the rules read either. And a container's own files (its /etc/shadow read by its
 * first program, its /etc/cron.d) are watched too. Each alert names the container.
 */
class ContainerEscapeTest {
    @Test
    void aHostCronFileAndTheHostsShadowThroughABindMountAreCaught() throws Exception {
        AgentProcess.requireRoot();
        Path cron = Path.of("/etc/cron.d/vigil-escape-test");
        try (TempDir work = TempDir.create("vigil-container-escape"); RealDocker docker = RealDocker.start();
             AgentProcess agent = AgentProcess.start("--data", work.path().resolve("data").toString(), "--listen", "127.0.0.1:0", "--fold", "0")) {
            RealDocker.Result wrote = docker.docker("run", "--rm", "--name", "vigil-escape-cron", "--network", "none", "-v", "/etc/cron.d:/host/cron.d", RealDocker.IMAGE,
                    "sh", "-c", "echo '* * * * * root id' > /host/cron.d/vigil-escape-test");
            Files.deleteIfExists(cron); // the host's cron is restored at once
            assertEquals(0, wrote.exit(), wrote.out());
            RealDocker.Result read = docker.docker("run", "--rm", "--network", "none", "-v", "/etc:/host/etc:ro", RealDocker.IMAGE,
                    "/bin/head", "-c1", "/host/etc/shadow");
            assertEquals(0, read.exit(), read.out());

            // the container's own files: another inode than the host's. Its account database, read by its first program
            // (watched by name on the overlay from the start), and its cron, in a watched directory (watched under its root
            // once the agent has seen it start)
            RealDocker.Result own = docker.docker("run", "--rm", "--network", "none", RealDocker.IMAGE,
                    "sh", "-c", "echo 'root:*:19000:0:99999:7:::' > /etc/shadow && /bin/head -c1 /etc/shadow");
            assertEquals(0, own.exit(), own.out());
            String box = docker.run(List.of(), RealDocker.IMAGE, "sleep", "600");
            JsonNode started = agent.await(Corpus.MARKER_RULE, Corpus.marker()); // the agent has seen the container start
            // made, then written again: the second is no creation, only the watch on the container's /etc/cron.d sees it
            RealDocker.Result cronJob = docker.exec(box, "sh", "-c", "echo '* * * * * root id' > /etc/cron.d/vigil-own-job && echo '# again' >> /etc/cron.d/vigil-own-job");
            assertEquals(0, cronJob.exit(), cronJob.out() + started);

            JsonNode cronAlert = agent.await("Cron file written outside the cron tools", a -> a.path("output").asText().contains("vigil-escape-test"));
            JsonNode e = cronAlert.path("events").get(0);
            assertEquals("/host/cron.d/vigil-escape-test", e.path("file").asText(), "the container's name for it: " + e);
            assertEquals("/etc/cron.d/vigil-escape-test", e.path("host_path").asText(), "the host's: " + e);
            assertEquals(12, e.path("container_id").asText().length(), e.toString());
            // the console draws the crossing: the container's process, and an edge to the host's file
            JsonNode graph = agent.console().graphOf("Cron file written outside the cron tools", "vigil-escape-test");
            JsonNode writer = null;
            for (JsonNode n : graph.path("nodes")) {
                if ("vigil-escape-cron".equals(n.path("container").path("name").asText())) {
                    writer = n;
                }
            }
            assertTrue(writer != null, "a process node names its container: " + graph);
            assertEquals("docker", writer.path("container").path("runtime").asText(), writer.toString());
            assertEquals(RealDocker.IMAGE, writer.path("container").path("image").asText(), writer.toString());
            boolean crossing = false;
            for (JsonNode edge : graph.path("edges")) {
                crossing |= edge.path("to").asText().equals("file:/etc/cron.d/vigil-escape-test") && edge.path("label").asText().contains("host file");
            }
            assertTrue(crossing, "an edge from the container's process to the host's cron file: " + graph.path("edges"));
            JsonNode shadow = agent.await("Sensitive file read by an unexpected program", a -> a.path("output").asText().contains("/host/etc/shadow"));
            assertEquals("/etc/shadow", shadow.path("events").get(0).path("host_path").asText(), shadow.toString());
            assertTrue(shadow.path("events").get(0).path("in_container").asBoolean(), shadow.toString());
            JsonNode ownShadow = agent.await("Sensitive file read by an unexpected program",
                    a -> a.path("events").path(0).path("file").asText().equals("/etc/shadow") && a.path("events").path(0).path("comm").asText().equals("head"));
            assertEquals("", ownShadow.path("events").get(0).path("host_path").asText(), "not a host file: " + ownShadow);
            assertEquals(12, ownShadow.path("events").get(0).path("container_id").asText().length(), ownShadow.toString());
            JsonNode ownCron = agent.await("Cron file written outside the cron tools", a -> a.path("output").asText().contains("vigil-own-job")
                    && a.path("events").path(0).path("event").asText().equals("file_write"));
            assertEquals("", ownCron.path("events").get(0).path("host_path").asText(), "the container's cron, not the host's: " + ownCron);
            assertTrue(box.startsWith(ownCron.path("events").get(0).path("container_id").asText()), ownCron.toString());
        } finally {
            Files.deleteIfExists(cron);
        }
    }
}
