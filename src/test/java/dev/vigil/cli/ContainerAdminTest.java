package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.enrich.RealDocker;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Ordinary container work on a real runtime (docker.io, runc, containerd) under `vigil run` with
 * the stock pack raises nothing: the runtime's own setup (runc's namespace entries and masking
 * mounts, dockerd's network namespace files) is told apart by the executables the kernel ran, not
 * by names. The activities are a platform team's everyday ones.
 */
class ContainerAdminTest {
    @Test
    void buildRunExecLogsCopyVolumesStopAndRemoveRaiseNothing() throws Exception {
        AgentProcess.requireRoot();
        try (TempDir work = TempDir.create("vigil-container-admin"); RealDocker docker = RealDocker.start();
             AgentProcess agent = AgentProcess.start("--data", work.path().resolve("data").toString(), "--no-console", "--fold", "0")) {
            Path context = Files.createDirectories(work.path().resolve("context"));
            Files.writeString(context.resolve("Dockerfile"), "FROM " + RealDocker.IMAGE + "\nRUN echo built > /etc/build-note\nCMD [\"sleep\", \"300\"]\n");
            Files.writeString(work.path().resolve("in.txt"), "configuration\n");
            List<String> failed = new ArrayList<>();
            String tag = "vigil-test/admin-app:1";
            List<List<String>> steps = List.of(
                    List.of("build", "-q", "-t", tag, context.toString()),                          // build an image
                    List.of("image", "ls"),                                                         // list images
                    List.of("volume", "create", "vigil-admin-vol"),                                 // a named volume
                    List.of("run", "--rm", "--network", "none", "-v", "vigil-admin-vol:/data", RealDocker.IMAGE,
                            "sh", "-c", "echo kept > /data/state"),                                 // a job writing to it
                    List.of("run", "--rm", "--network", "none", RealDocker.IMAGE, "sh", "-c", "seq 1 1000 | wc -l"), // a batch job
                    List.of("run", "--rm", "--read-only", "--network", "none", RealDocker.IMAGE, "ls", "/"),       // a read-only container
                    List.of("ps", "-a"));
            for (List<String> step : steps) {
                RealDocker.Result r = docker.docker(step.toArray(String[]::new));
                if (r.exit() != 0) {
                    failed.add(step + ": " + r.out());
                }
            }
            String web = docker.run(List.of("--name", "vigil-admin-web", "--health-cmd", "true", "--health-interval", "1s"), tag); // a service
            for (List<String> step : List.of(
                    List.of("exec", web, "sh", "-c", "test -f /etc/build-note"),                  // a health check by hand
                    List.of("logs", web),
                    List.of("inspect", web),
                    List.of("stats", "--no-stream", web),
                    List.of("top", web),
                    List.of("cp", work.path().resolve("in.txt").toString(), web + ":/tmp/in.txt"),  // copy in
                    List.of("cp", web + ":/tmp/in.txt", work.path().resolve("out.txt").toString()), // and out
                    List.of("pause", web), List.of("unpause", web),
                    List.of("restart", "-t", "1", web),
                    List.of("stop", "-t", "1", web),
                    List.of("rm", web),
                    List.of("volume", "rm", "vigil-admin-vol"),
                    List.of("image", "rm", tag))) {
                RealDocker.Result r = docker.docker(step.toArray(String[]::new));
                if (r.exit() != 0) {
                    failed.add(step + ": " + r.out());
                }
            }
            assertEquals(List.of(), failed, "every activity ran");
            JsonNode marker = agent.await(Corpus.MARKER_RULE, Corpus.marker()); // every alert of the work above is out before it
            List<String> raised = agent.alerts.stream().filter(a -> a != marker).map(a -> a.path("rule").asText() + ": " + a.path("output").asText()).toList();
            assertEquals(List.of(), raised, "ordinary container work raised alerts");
        }
    }
}
