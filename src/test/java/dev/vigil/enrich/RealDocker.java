package dev.vigil.enrich;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's docker.io for tests that need a real container: the daemon started when it is not
 * running (and stopped again by {@link #close}), an image imported from a root file system of
 * busybox-static (no registry here), containers removed on close. The launcher installs both
 * packages for `vigil test`. Debian's client at /usr/bin/docker is used by path: another one may
 * come first on PATH.
 */
public final class RealDocker implements AutoCloseable {
    /** Its tag changes with what it holds, so a machine keeping an older one imports this one. */
    public static final String IMAGE = "vigil-test/busybox:2";
    private static final String DOCKER = "/usr/bin/docker";
    private Process daemon;
    private Path daemonLog;
    private boolean imported;
    private final List<String> containers = new ArrayList<>();

    private RealDocker() {}

    /** The daemon up (started here if it was not) and the test image there (imported here if it was not). */
    public static RealDocker start() throws Exception {
        for (String need : new String[] {"/usr/sbin/dockerd", DOCKER, "/bin/busybox"}) {
            if (!Files.isExecutable(Path.of(need))) {
                fail(need + " is missing: the launcher installs docker.io and busybox-static for `vigil test` (apt-get install docker.io busybox-static)");
            }
        }
        RealDocker d = new RealDocker();
        try {
            if (!d.up()) {
                d.daemonLog = Files.createTempFile("vigil-dockerd-", ".log");
                // its own: no bridge and no iptables rules, so the host's network stays as it was (the tests' containers have none)
                d.daemon = new ProcessBuilder("/usr/sbin/dockerd", "--bridge=none", "--iptables=false", "--ip6tables=false").redirectErrorStream(true).redirectOutput(d.daemonLog.toFile()).start();
                for (int i = 0; i < 300 && !d.up(); i++) {
                    if (!d.daemon.isAlive()) {
                        fail("dockerd ended: " + Files.readString(d.daemonLog));
                    }
                    Thread.sleep(100);
                }
                if (!d.up()) {
                    fail("dockerd did not answer within 30 s: " + Files.readString(d.daemonLog));
                }
            }
            if (run(DOCKER, "image", "inspect", IMAGE).exit() != 0) {
                d.importImage();
            }
            return d;
        } catch (Exception | AssertionError e) {
            d.close();
            throw e;
        }
    }

    private boolean up() throws Exception {
        return run(DOCKER, "info", "--format", "{{.ServerVersion}}").exit() == 0;
    }

    /** The test image, from busybox-static's root file system (dev.vigil.bench.BusyboxRoot), imported as {@link #IMAGE}. */
    private void importImage() throws Exception {
        assertEquals(0, dev.vigil.bench.BusyboxRoot.importWith(DOCKER + " import - " + IMAGE), "docker import of " + IMAGE);
        imported = true;
    }

    /** A container of `image` started in the background with these `docker run` options (and no network), running `command`; its id. */
    public String run(List<String> options, String image, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("run", "-d", "--network", "none"));
        cmd.addAll(options);
        cmd.add(image);
        cmd.addAll(List.of(command));
        Result r = docker(cmd.toArray(String[]::new));
        assertEquals(0, r.exit(), "docker run: " + r.out());
        String id = r.out().trim();
        containers.add(id);
        return id;
    }

    /** Debian's docker client with these arguments (the classic builder: no BuildKit to fetch), its exit status and output. */
    public Result docker(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("env", "DOCKER_BUILDKIT=0", DOCKER));
        cmd.addAll(List.of(args));
        return run(cmd.toArray(String[]::new));
    }

    /** `docker exec` of `command` in a container: its exit status and output. */
    public Result exec(String container, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(DOCKER, "exec", container));
        cmd.addAll(List.of(command));
        return run(cmd.toArray(String[]::new));
    }

    public record Result(int exit, String out) {}

    static Result run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, out);
        }
        return new Result(p.exitValue(), out);
    }

    /** Removes the containers made here, the image if imported here, and stops the daemon if started here. */
    @Override
    public void close() throws Exception {
        for (String c : containers) {
            run(DOCKER, "rm", "-f", c);
        }
        if (imported) {
            run(DOCKER, "image", "rm", "-f", IMAGE);
        }
        if (daemon != null) {
            daemon.destroy(); // SIGTERM: dockerd stops its containerd and cleans up
            if (!daemon.waitFor(60, TimeUnit.SECONDS)) {
                daemon.destroyForcibly();
            }
            try {
                Files.deleteIfExists(daemonLog);
            } catch (IOException ignored) {
                // the log is only ours
            }
        }
    }
}
