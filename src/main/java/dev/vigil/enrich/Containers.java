package dev.vigil.enrich;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * cgroup v2 id to container id. The id the kernel reports is the inode of the cgroup's directory,
 * so a walk of /sys/fs/cgroup maps ids to paths; the container id is the 64-hex id in the path
 * (docker, containerd, cri-o, podman), cut to 12 characters as Falco prints it. Empty on the host.
 */
public final class Containers {
    private static final Pattern ID = Pattern.compile("([0-9a-f]{64})");
    private final Path root;
    private final Map<Long, String> byCgroup = new ConcurrentHashMap<>();
    private long scannedAt;

    public Containers(Path root) {
        this.root = root;
        scan();
    }

    public String containerId(long cgroupId) {
        String id = byCgroup.get(cgroupId);
        if (id == null && System.nanoTime() - scannedAt > 1_000_000_000L) {
            scan();
            id = byCgroup.get(cgroupId);
        }
        return id == null ? "" : id;
    }

    static String idFromPath(String path) {
        Matcher m = ID.matcher(path);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return last == null ? "" : last.substring(0, 12);
    }

    private synchronized void scan() {
        scannedAt = System.nanoTime();
        if (!Files.isDirectory(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, java.util.Set.of(), 32, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    Object key = attrs.fileKey();
                    if (key != null) {
                        String k = key.toString();
                        int i = k.indexOf("ino=");
                        if (i >= 0) {
                            long ino = Long.parseLong(k.substring(i + 4, k.indexOf(')', i)));
                            byCgroup.putIfAbsent(ino, idFromPath(root.relativize(dir).toString()));
                        }
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException | RuntimeException unreadable) {
            // ids stay unknown
        }
    }
}
