package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.enrich.RealDocker;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * containerd driven by its own client: `ctr run` (against docker.io's containerd) starts a
 * container under a name of the user's choosing, not a 64-hex id, in cgroup /NAMESPACE/NAME. Under
 * `vigil run` with the stock pack its processes' events carry that name as the container's id and
 * name, and containerd as the runtime; the container's own shadow read is caught.
 */
class CtrLiveTest {
    private static final String NAMESPACE = "vigil-test", BOX = "vigil-ctr-box", REF = "docker.io/" + RealDocker.IMAGE;

    private static RealDocker.Result ctr(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/ctr", "--address", "/var/run/docker/containerd/containerd.sock", "--namespace", NAMESPACE));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        return new RealDocker.Result(p.waitFor(), out);
    }

    @Test
    void aContainerCtrRunsIsKnownByItsName() throws Exception {
        AgentProcess.requireRoot();
        try (TempDir work = TempDir.create("vigil-ctr"); RealDocker docker = RealDocker.start()) {
            try {
                int imported = new ProcessBuilder("sh", "-c", "/usr/bin/docker save " + RealDocker.IMAGE
                        + " | /usr/bin/ctr --address /var/run/docker/containerd/containerd.sock --namespace " + NAMESPACE + " images import -")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
                assertEquals(0, imported, "the test image through docker save into ctr images import");
                try (AgentProcess agent = AgentProcess.start("--data", work.path().resolve("data").toString(), "--no-console", "--fold", "0")) {
                    RealDocker.Result run = ctr("run", "-d", REF, BOX, "sleep", "600");
                    assertEquals(0, run.exit(), run.out());
                    RealDocker.Result read = ctr("task", "exec", "--exec-id", "vigil-read", BOX, "sh", "-c",
                            "echo 'root:*:19000:0:99999:7:::' > /etc/shadow && /bin/head -c1 /etc/shadow");
                    assertEquals(0, read.exit(), read.out());
                    JsonNode a = agent.await("Sensitive file read by an unexpected program",
                            x -> BOX.equals(x.path("events").path(0).path("container_name").asText()));
                    JsonNode e = a.path("events").path(0);
                    assertEquals("containerd", e.path("container_runtime").asText(), a.toString());
                    assertEquals(BOX.substring(0, 12), e.path("container_id").asText(), "its name, cut as ids are: " + a);
                    assertEquals("/etc/shadow", e.path("file").asText(), a.toString());
                }
            } finally {
                ctr("task", "kill", "-s", "KILL", BOX);
                for (int i = 0; i < 50 && ctr("task", "ls", "-q").out().contains(BOX); i++) {
                    Thread.sleep(100); // until the task has gone, so the container can be removed
                }
                ctr("task", "rm", BOX);
                ctr("containers", "rm", BOX);
                ctr("images", "rm", "--sync", REF);
                new ProcessBuilder("/usr/bin/ctr", "--address", "/var/run/docker/containerd/containerd.sock", "namespaces", "rm", NAMESPACE)
                        .redirectErrorStream(true).start().waitFor();
            }
        }
    }
}
