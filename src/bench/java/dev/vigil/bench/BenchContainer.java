package dev.vigil.bench;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A docker container for the exec workload inside a container: a running daemon is used as it
 * is (the bench starts none), the image made from busybox-static when absent (and removed again),
 * one container with no network kept for every round and removed at the end.
 */
final class BenchContainer implements AutoCloseable {
    static final String IMAGE = "vigil-bench/busybox:1";
    private static final String DOCKER = "/usr/bin/docker";
    private final String id;
    private final boolean imported;

    private BenchContainer(String id, boolean imported) {
        this.id = id;
        this.imported = imported;
    }

    /** The container, or null with one line on `why` saying what is missing. */
    static BenchContainer startOrNull(PrintStream why) throws Exception {
        if (!Files.isExecutable(Path.of(DOCKER)) || run(DOCKER, "info", "--format", "{{.ServerVersion}}").isEmpty()) {
            why.println("vigil bench: no running docker daemon (" + DOCKER + "): the exec workload in a container is left out");
            return null;
        }
        boolean imported = false;
        if (run(DOCKER, "image", "inspect", "--format", "{{.Id}}", IMAGE).isEmpty()) {
            if (BusyboxRoot.importWith(DOCKER + " import - " + IMAGE) != 0) {
                why.println("vigil bench: docker import of " + IMAGE + " failed: the exec workload in a container is left out");
                return null;
            }
            imported = true;
        }
        String id = run(DOCKER, "run", "-d", "--network", "none", IMAGE, "sleep", "1000000");
        if (id.isEmpty()) {
            why.println("vigil bench: docker run of " + IMAGE + " failed: the exec workload in a container is left out");
            return null;
        }
        return new BenchContainer(id, imported);
    }

    /** `command` run in the container with docker exec. */
    List<String> exec(List<String> command) {
        List<String> out = new ArrayList<>(List.of(DOCKER, "exec", id));
        out.addAll(command);
        return out;
    }

    /** The command's output, trimmed; empty when it failed. */
    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return p.waitFor() == 0 ? out : "";
    }

    @Override
    public void close() throws Exception {
        run(DOCKER, "rm", "-f", id);
        if (imported) {
            run(DOCKER, "image", "rm", "-f", IMAGE);
        }
    }
}
