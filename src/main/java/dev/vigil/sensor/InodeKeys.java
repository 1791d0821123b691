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
 * only when no watched file holds it any more, and never while the inode has a hard link elsewhere
 * that someone made (ln /etc/shadow /tmp/x, then a password change: /tmp/x still holds the hashes).
 */
final class InodeKeys {
    /** Keys of inodes that were hard-linked under another name, kept past a replacement (bounded: the oldest go first). */
    static final int MAX_KEPT = 1_024;
    private final Map<Path, List<Long>> held = new HashMap<>();
    private final Map<List<Long>, Integer> holders = new HashMap<>();
    private final java.util.SequencedSet<List<Long>> kept = new java.util.LinkedHashSet<>();

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
        boolean free = holders.merge(before, -1, (a, b) -> a + b == 0 ? null : a + b) == null;
        return free && !kept.contains(before) ? before : null;
    }

    /**
     * The inode `file` holds now was hard-linked under another name: its key stays when `file` is
     * replaced, so that the link still reads as the watched file. Up to MAX_KEPT keys are kept; past
     * that the oldest is forgotten.
     */
    void keep(Path file) {
        List<Long> key = held.get(file);
        if (key != null) {
            kept.remove(key);
            kept.addLast(key);
            if (kept.size() > MAX_KEPT) {
                kept.removeFirst();
            }
        }
    }
}
