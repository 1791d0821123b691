package dev.vigil.sensor;

import dev.vigil.event.EventType;
import dev.vigil.event.FileEvent;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** file.bpf.c: create_file, open, write, chmod, rename, link, symlink, unlink, rmdir, watched files. */
class FileBpfTest {
    @Test
    void fileOperations() throws Exception {
        LiveSensor s = LiveSensor.get();
        Path dir = Files.createTempDirectory("vigil-files");
        LiveSensor.Triggered t = LiveSensor.trigger("files", dir.toString());
        String created = dir.resolve("created").toString(), renamed = dir.resolve("renamed").toString();

        FileEvent create = (FileEvent) s.await("create_file", e -> e.type() == EventType.CREATE_FILE && e.header().pid() == t.pid());
        assertEquals(created, create.path());
        assertEquals(1, s.all(e -> e.type() == EventType.CREATE_FILE && e.header().pid() == t.pid()).size(),
                "the second open only opens: no create_file");

        FileEvent write = (FileEvent) s.await("write", e -> e.type() == EventType.WRITE && e.header().pid() == t.pid());
        assertEquals(created, write.path());
        assertEquals("vigil-write-preview", write.extra());

        FileEvent chmod = (FileEvent) s.await("chmod", e -> e.type() == EventType.CHMOD && e.header().pid() == t.pid());
        assertEquals(created, chmod.path());
        assertEquals(0755, chmod.mode());

        FileEvent rename = (FileEvent) s.await("rename", e -> e.type() == EventType.RENAME && e.header().pid() == t.pid());
        assertEquals(created, rename.path());
        assertEquals(renamed, rename.path2());

        FileEvent hard = (FileEvent) s.await("link", e -> e.type() == EventType.LINK && e.header().pid() == t.pid()
                && ((FileEvent) e).path2().endsWith("/hardlink"));
        assertEquals(renamed, hard.path());
        FileEvent sym = (FileEvent) s.await("symlink", e -> e.type() == EventType.LINK && e.header().pid() == t.pid()
                && ((FileEvent) e).path2().endsWith("/symlink"));
        assertEquals(renamed, sym.path());

        FileEvent unlink = (FileEvent) s.await("unlink", e -> e.type() == EventType.UNLINK && e.header().pid() == t.pid());
        assertEquals(dir.resolve("symlink").toString(), unlink.path());
        FileEvent rmdir = (FileEvent) s.await("rmdir", e -> e.type() == EventType.RMDIR && e.header().pid() == t.pid());
        assertEquals(dir.resolve("subdir").toString(), rmdir.path());

        FileEvent open = (FileEvent) s.await("open", e -> e.type() == EventType.OPEN && e.header().pid() == t.pid()
                && ((FileEvent) e).path().equals(created));
        assertTrue(open.header().res() >= 0);
    }

    @Test
    void sensitiveFileReadIsDecidedInTheKernel() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered t = LiveSensor.trigger("read", "/etc/shadow");
        FileEvent e = (FileEvent) s.await("file_read", ev -> ev.type() == EventType.FILE_READ && ev.header().pid() == t.pid());
        assertEquals("/etc/shadow", e.path());
        assertTrue(s.all(ev -> ev.type() == EventType.FILE_WRITE && ev.header().pid() == t.pid()).isEmpty());
    }

    @Test
    void writeIntoAWatchedDirectory() throws Exception {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered t = LiveSensor.trigger("files", LiveSensor.WATCHED_DIR.toString());
        FileEvent e = (FileEvent) s.await("file_write", ev -> ev.type() == EventType.FILE_WRITE && ev.header().pid() == t.pid());
        assertEquals(LiveSensor.WATCHED_DIR.resolve("created").toString(), e.path());
        for (String f : new String[] {"renamed", "hardlink"}) {
            Files.deleteIfExists(LiveSensor.WATCHED_DIR.resolve(f));
        }
    }

    /** /etc/shadow read under another name (a hard link) is the same inode, so the same decision. */
    @Test
    void aWatchedFileReadThroughAHardLinkOrAddedAtRunTime() throws Exception {
        LiveSensor s = LiveSensor.get();
        java.nio.file.Path dir = Files.createTempDirectory(java.nio.file.Path.of("/var/tmp"), "vigil-link");
        java.nio.file.Path innocent = dir.resolve("notes.txt");
        Files.createLink(innocent, java.nio.file.Path.of("/etc/shadow"));
        try {
            LiveSensor.Triggered t = LiveSensor.trigger("read", innocent.toString());
            FileEvent e = (FileEvent) s.await("file_read through a link", ev -> ev.type() == EventType.FILE_READ && ev.header().pid() == t.pid());
            assertEquals(innocent.toString(), e.path());
        } finally {
            Files.deleteIfExists(innocent);
        }
        // the watch list grows while the sensor runs
        java.nio.file.Path later = dir.resolve("api-token");
        Files.writeString(later, "secret");
        LiveSensor.Triggered before = LiveSensor.trigger("read", later.toString());
        s.stream().sensor().watch(java.util.List.of(later));
        LiveSensor.Triggered after = LiveSensor.trigger("read", later.toString());
        s.await("file_read of a file watched at run time", ev -> ev.type() == EventType.FILE_READ && ev.header().pid() == after.pid());
        assertTrue(s.all(ev -> ev.type() == EventType.FILE_READ && ev.header().pid() == before.pid()).isEmpty());
    }
}
