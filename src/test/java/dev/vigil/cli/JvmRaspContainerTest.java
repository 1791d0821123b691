package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.enrich.RealDocker;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A JVM in a real docker.io container (its own mount and pid namespaces; the host's OpenJDK 17
 * mounted read-only into the busybox image): attached through /proc/PID/root, its RASP's jars and
 * socket under the container's /tmp, and its events carrying the container's id.
 */
class JvmRaspContainerTest {
    @Test
    void aJvmInAContainerIsAttachedThroughItsOwnFilesystem() throws Exception {
        AgentProcess.requireRoot();
        try (RealDocker docker = RealDocker.start(); AgentProcess agent = AgentProcess.start(JvmRaspLiveTest.args())) {
            String id = docker.run(List.of("-v", "/usr:/usr:ro", "-v", "/usr/lib64:/lib64:ro", "-v", "/usr/lib:/lib:ro",
                            "-v", "/etc/java-17-openjdk:/etc/java-17-openjdk:ro", "-v", VulnerableJvm.classes() + ":/app:ro"),
                    RealDocker.IMAGE, VulnerableJvm.JAVA_17.toString(), "-cp", "/app", "dev.vigil.testapp.VulnerableApp", "18383", "/tmp");
            long pid = Long.parseLong(docker.docker("inspect", "--format", "{{.State.Pid}}", id).out().trim());
            JsonNode s = VulnerableJvm.awaitState(pid, j -> j.path("status").asText().equals("attached") && j.path("connected").asBoolean(), "attached");
            assertEquals(id, s.path("container_id").asText(), s.toString());
            String answer = "";
            for (int i = 0; i < 100 && !answer.contains("exit 0"); i++) { // the container's own loopback: reached from inside it
                answer = docker.exec(id, "wget", "-qO-", "http://127.0.0.1:18383/exec?cmd=echo%20vigil-container-jvm").out();
            }
            assertTrue(answer.contains("exit 0"), answer);
            JsonNode a = agent.await("Java command started while serving a request", x -> x.toString().contains("vigil-container-jvm"));
            assertEquals(id, a.path("events").path(0).path("container_id").asText(), a.toString());
            assertEquals(pid, a.path("events").path(0).path("pid").asLong(), "the host's pid, not the container's 1");
        }
    }
}
