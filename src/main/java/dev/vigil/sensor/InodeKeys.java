package dev.vigil.sensor;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which inode key each watched file holds in the kernel's map, and when a key may go. A replaced
 * file's old key is removed, so that no stranger inherits the watch when the inode number is
 * reused; but a number freed by one watched file is often reused at once by another (sed -i over
 * /etc/passwd, /etc/shadow and /etc/group, each a new file renamed over the old), so a key goes
 * only when no watched file holds it any more.
 */
final class InodeKeys {
    private final Map<Path, List<Long>> held = new HashMap<>();
    private final Map<List<Long>, Integer> holders = new HashMap<>();

    /** `file` now holds `key` (inode, device); returns the key it held before if no watched file holds that any more, else null. */
    List<Long> hold(Path file, List<Long> key) {
        List<Long> before = held.put(file, key);
        if (key.equals(before)) {
            return null;
        }
        holders.merge(key, 1, Integer::sum);
        if (before == null) {
            return null;
        }
        return holders.merge(before, -1, (a, b) -> a + b == 0 ? null : a + b) == null ? before : null;
    }
}
