package dev.vigil.enrich;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a preloaded library can do, read from its ELF symbols: the fields behind "LD_PRELOAD set for a new process". */
class PreloadedLibrariesTest {
    @Test
    void aLibraryIsJudgedByWhatItExportsAndWhereItLives() {
        String libz = "/lib/x86_64-linux-gnu/libz.so.1";
        assertEquals(java.util.List.of(), PreloadedLibraries.interposes(libz), "compression exports nothing a preload abuses");
        assertFalse(PreloadedLibraries.doubtful(libz));
        assertFalse(PreloadedLibraries.doubtful("libz.so.1"), "a bare name is found where ld.so looks for it");
        assertTrue(PreloadedLibraries.interposes("/lib/x86_64-linux-gnu/libc.so.6").containsAll(java.util.List.of("execve", "open", "readdir")));
        assertTrue(PreloadedLibraries.doubtful("/tmp/vigil-no-such/libhide.so"), "unreadable");
        assertTrue(PreloadedLibraries.doubtful("/etc/hostname"), "not a library");
        assertTrue(PreloadedLibraries.doubtful("libvigil-no-such.so"), "a bare name ld.so would not find");
        String quiet = java.nio.file.Path.of("target", "test-bin", "libvigil-quiet.so").toAbsolutePath().toString();
        assertEquals(java.util.List.of(), PreloadedLibraries.interposes(quiet + ":" + libz), "several libraries, none of interest");
    }
}
