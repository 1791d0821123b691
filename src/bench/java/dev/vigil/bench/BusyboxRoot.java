package dev.vigil.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A container image's root file system made from Debian's busybox-static (there is no image
 * registry to pull from): /bin/busybox and a link per applet, /tmp, and /etc/cron.d and
 * /root/.ssh, where a system keeps what the watch list names. The bench and the tests import it
 * into their runtime.
 */
public final class BusyboxRoot {
    private BusyboxRoot() {}

    /** The root in a new temporary directory, which the caller removes; an exception saying what to install when busybox is missing or dynamic. */
    public static Path make() throws IOException, InterruptedException {
        Path busybox = Path.of("/bin/busybox");
        if (!Files.isExecutable(busybox)) {
            throw new IOException("/bin/busybox is missing: apt-get install busybox-static");
        }
        if (new ProcessBuilder("ldd", busybox.toString()).redirectErrorStream(true).start().waitFor() == 0) {
            throw new IOException("/bin/busybox is linked dynamically: the image needs busybox-static (apt-get install busybox-static)");
        }
        Path root = Files.createTempDirectory("vigil-image-");
        for (String dir : new String[] {"bin", "tmp", "etc/cron.d", "root/.ssh"}) {
            Files.createDirectories(root.resolve(dir));
        }
        Files.copy(busybox, root.resolve("bin/busybox"));
        Process list = new ProcessBuilder(busybox.toString(), "--list").start();
        for (String applet : new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
            if (!applet.isBlank() && !applet.equals("busybox")) {
                Files.createSymbolicLink(root.resolve("bin").resolve(applet.trim()), Path.of("busybox"));
            }
        }
        list.waitFor();
        return root;
    }

    /** Imports a root made here with `importer`, a shell command reading a tar on its stdin (`docker import - IMAGE`); its exit status. */
    public static int importWith(String importer) throws IOException, InterruptedException {
        Path root = make();
        try {
            return new ProcessBuilder("sh", "-c", "tar -C '" + root + "' -c . | " + importer).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        } finally {
            new ProcessBuilder("rm", "-rf", root.toString()).start().waitFor();
        }
    }
}
