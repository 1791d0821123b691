package dev.vigil.enrich;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's podman for tests that need a second runtime: rootful, no daemon, the test image
 * imported from busybox-static's root file system (removed again when imported here), containers
 * removed on close. Podman's default crun refuses a hybrid cgroup host whose v2 hierarchy holds a
 * controller (this VM: hugetlb), so there runc runs the containers. The open-file and process
 * limits podman asks for by default are past what a VM without CAP_SYS_RESOURCE may grant, so the
 * tests ask for less.
 */
public final class RealPodman implements AutoCloseable {
    public static final String IMAGE = RealDocker.IMAGE;
    private static final String PODMAN = "/usr/bin/podman";
    private final List<String> base = new ArrayList<>(List.of(PODMAN));
    private boolean imported;
    private final List<String> containers = new ArrayList<>();

    private RealPodman() {}

    public static RealPodman start() throws Exception {
        for (String need : new String[] {PODMAN, "/bin/busybox"}) {
            if (!Files.isExecutable(Path.of(need))) {
                fail(need + " is missing: the launcher installs podman and busybox-static for `vigil test` (apt-get install podman busybox-static)");
            }
        }
        RealPodman p = new RealPodman();
        if (hybridWithV2Controllers() && Files.isExecutable(Path.of("/usr/sbin/runc"))) {
            p.base.addAll(List.of("--runtime", "/usr/sbin/runc"));
        }
        try {
            if (p.podman("image", "exists", IMAGE).exit() != 0) {
                assertEquals(0, dev.vigil.bench.BusyboxRoot.importWith(PODMAN + " import - " + IMAGE), "podman import of " + IMAGE);
                p.imported = true;
            }
            return p;
        } catch (Exception | AssertionError e) {
            p.close();
            throw e;
        }
    }

    private static boolean hybridWithV2Controllers() {
        try {
            Path unified = Path.of("/sys/fs/cgroup/unified/cgroup.controllers");
            return Files.isRegularFile(unified) && !Files.readString(unified).isBlank();
        } catch (java.io.IOException unreadable) {
            return false;
        }
    }

    /** Podman with these arguments (its runtime chosen above): exit status and output. */
    public RealDocker.Result podman(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(base);
        cmd.addAll(List.of(args));
        return RealDocker.run(cmd.toArray(String[]::new));
    }

    /** A container of `image` started in the background with these `podman run` options (no network, lower limits), running `command`; its id. */
    public String run(List<String> options, String image, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("run", "-d", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1000:1000"));
        cmd.addAll(options);
        cmd.add(image);
        cmd.addAll(List.of(command));
        RealDocker.Result r = podman(cmd.toArray(String[]::new));
        assertEquals(0, r.exit(), "podman run: " + r.out());
        String id = r.out().trim();
        id = id.substring(id.lastIndexOf('\n') + 1);
        containers.add(id);
        return id;
    }

    @Override
    public void close() throws Exception {
        for (String c : containers) {
            podman("rm", "-f", "-t", "0", c);
        }
        if (imported) {
            podman("image", "rm", "-f", IMAGE);
        }
    }
}
