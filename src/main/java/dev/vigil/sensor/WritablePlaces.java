package dev.vigil.sensor;

import java.nio.file.Path;
import java.util.List;

/**
 * Places anyone may have written to, whatever their owner and mode: homes, temporary directories,
 * per-user runtime directories, web roots. The kernel marks them for mmap_exec (a file mapped as
 * code below one is reported); rules ask how deep below one a path lies.
 */
public final class WritablePlaces {
    private WritablePlaces() {}

    /** Each place; "/*" at the end: one per user below it (/home/alice), so the place is one level deeper. */
    static final List<String> PLACES = List.of("/home/*", "/root", "/tmp", "/var/tmp", "/dev/shm", "/run/user/*", "/var/www");

    /** The directories the kernel marks. */
    static List<Path> marked() {
        return PLACES.stream().map(p -> Path.of(p.endsWith("/*") ? p.substring(0, p.length() - 2) : p)).toList();
    }

    /**
     * How many leading components of `path` make the writable place it lies in (/tmp: 1,
     * /home/alice: 2, /run/user/1000: 3), or 0 when it lies in none of them.
     */
    public static int depth(String path) {
        for (String p : PLACES) {
            boolean perUser = p.endsWith("/*");
            String dir = perUser ? p.substring(0, p.length() - 2) : p;
            if (path.startsWith(dir + "/")) {
                int n = (int) dir.chars().filter(c -> c == '/').count();
                return perUser ? n + 1 : n;
            }
        }
        return 0;
    }
}
