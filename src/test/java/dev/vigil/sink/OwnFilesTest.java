package dev.vigil.sink;

import dev.vigil.sensor.KernelSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The agent's own files: owner-only, never through a link a local user planted, never someone else's file. */
class OwnFilesTest {
    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static void requireRoot() {
        if (!KernelSupport.isRoot() && "true".equals(System.getenv("CI"))) {
            fail("privileged tests must run as root under CI=true");
        }
        Assumptions.assumeTrue(KernelSupport.isRoot());
    }

    @Test
    void appendingRefusesLinksAndOtherUsersFiles() throws Exception {
        Path dir = Files.createTempDirectory("vigil-own");
        Path fresh = dir.resolve("alerts.jsonl");
        try (Writer w = OwnFiles.appendPrivate(fresh)) {
            w.write("x\n");
        }
        assertEquals("rw-------", mode(fresh));

        Path precious = dir.resolve("precious");
        Files.writeString(precious, "keep");
        Path link = dir.resolve("link.jsonl");
        Files.createSymbolicLink(link, precious);
        assertTrue(assertThrows(IOException.class, () -> OwnFiles.appendPrivate(link)).getMessage().contains("symbolic link"));
        Path hard = dir.resolve("hard.jsonl");
        Files.createLink(hard, precious);
        assertTrue(assertThrows(IOException.class, () -> OwnFiles.appendPrivate(hard)).getMessage().contains("hard links"));
        assertEquals("keep", Files.readString(precious));

        Path loose = dir.resolve("loose.jsonl");
        Files.writeString(loose, "");
        Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rw-rw-rw-"));
        OwnFiles.appendPrivate(loose).close();
        assertEquals("rw-------", mode(loose), "an alert file of ours that others could read or write is closed to them");

        requireRoot();
        Path theirs = dir.resolve("theirs.jsonl");
        Files.writeString(theirs, "");
        UserPrincipal nobody = theirs.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(theirs, nobody);
        assertTrue(assertThrows(IOException.class, () -> OwnFiles.appendPrivate(theirs)).getMessage().contains("belongs to another user"));
    }

    @Test
    void diagnosticsGoToAPrivateFolderUnderANewName() throws Exception {
        requireRoot();
        Path base = Files.createTempDirectory("vigil-run");
        Path run = base.resolve("vigil");
        Path dir = OwnFiles.privateDir(run);
        assertEquals(run, dir);
        assertEquals("rwx------", mode(dir));
        Path log = OwnFiles.writeNew(dir, "verifier-", ".log", "refused");
        assertEquals("rw-------", mode(log));
        assertEquals("refused", Files.readString(log));
        assertNotEquals(log, OwnFiles.writeNew(dir, "verifier-", ".log", "again"), "never the same name twice");

        // a planted link, or a folder someone else owns, is not used
        Path planted = base.resolve("planted");
        Files.createSymbolicLink(planted, Files.createTempDirectory("vigil-elsewhere"));
        assertNotEquals(planted, OwnFiles.privateDir(planted));
        Path foreign = base.resolve("foreign");
        Files.createDirectory(foreign);
        Files.setOwner(foreign, foreign.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        assertNotEquals(foreign, OwnFiles.privateDir(foreign));
    }
}
