package dev.vigil.sensor;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class InodeKeysTest {
    private static final Path SHADOW = Path.of("/etc/shadow"), GROUP = Path.of("/etc/group");
    private static final List<Long> A = List.of(11L, 8L), B = List.of(12L, 8L), C = List.of(13L, 8L);

    @Test
    void aReplacedFilesOldKeyGoes() {
        InodeKeys k = new InodeKeys();
        assertNull(k.hold(SHADOW, A));
        assertNull(k.hold(SHADOW, A), "unchanged");
        assertEquals(A, k.hold(SHADOW, B));
    }

    /** sed -i over two files: the number one freed is the other's new file; whichever is looked at first, the key stays. */
    @Test
    void aNumberReusedByAnotherWatchedFileKeepsItsKey() {
        InodeKeys k = new InodeKeys();
        k.hold(SHADOW, A);
        k.hold(GROUP, B);
        assertEquals(B, k.hold(GROUP, A), "group's old number is free");
        assertNull(k.hold(SHADOW, C), "A is group's now");

        InodeKeys other = new InodeKeys();
        other.hold(SHADOW, A);
        other.hold(GROUP, B);
        assertEquals(A, other.hold(SHADOW, C), "free until group takes it: removed, and put again just after");
        assertEquals(B, other.hold(GROUP, A));
    }

    /** ln /etc/shadow /tmp/x, then a password change: the old inode's key stays, so /tmp/x still reads as /etc/shadow. */
    @Test
    void aHardLinkedInodeKeepsItsKey() {
        InodeKeys k = new InodeKeys();
        k.hold(SHADOW, A);
        k.keep(SHADOW);
        assertNull(k.hold(SHADOW, B), "A was linked elsewhere");
        assertEquals(B, k.hold(SHADOW, C), "B was not");
    }

    @Test
    void aKeyTwoFilesHoldGoesWithTheLast() {
        InodeKeys k = new InodeKeys();
        k.hold(SHADOW, A);
        k.hold(GROUP, A); // a hard link watched under two names
        assertNull(k.hold(SHADOW, B));
        assertEquals(A, k.hold(GROUP, C));
    }
}
