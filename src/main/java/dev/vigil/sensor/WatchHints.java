package dev.vigil.sensor;

import dev.vigil.bpf.BpfMap;

import java.lang.foreign.Arena;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The kernel's hints for the watch list (file.bpf.c's {@code watch_hints}): a bit for every
 * (inode, device) a watch key names, at (inode ^ device) modulo the bits, which an open tests
 * before it looks the watch maps up. A bit is set before its key is written and never cleared (a
 * stale bit costs an open a look-up, a missing one a watched file's event), so this side holds the
 * only copy that changes and writes a word only when one of its bits is new.
 */
final class WatchHints {
    private final BpfMap map;
    private final long[] words;

    WatchHints(BpfMap map) {
        this.map = map;
        this.words = new long[map.maxEntries()];
        if (Integer.bitCount(words.length) != 1) {
            throw new IllegalStateException("map " + map.name() + ": " + words.length + " words, not a power of two");
        }
    }

    /** Sets the bit for the key naming `ino` on `dev` (the kernel's dev_t, as the keys hold it). */
    synchronized void set(long ino, int dev, Arena arena) {
        long bit = (ino ^ Integer.toUnsignedLong(dev)) & ((long) words.length * Long.SIZE - 1);
        int word = (int) (bit >>> 6);
        long next = words[word] | 1L << (bit & 63);
        if (next != words[word]) {
            map.update(word, arena.allocateFrom(JAVA_LONG, next));
            words[word] = next;
        }
    }
}
