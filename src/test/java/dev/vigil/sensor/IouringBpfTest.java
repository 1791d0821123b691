package dev.vigil.sensor;

import dev.vigil.event.EventType;
import dev.vigil.event.FileEvent;
import dev.vigil.event.NetEvent;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** iouring.bpf.c: operations submitted through io_uring, where no openat/connect syscall runs. */
class IouringBpfTest {
    @Test
    void openatThroughIoUringCreatesAFile() throws Exception {
        LiveSensor s = LiveSensor.get();
        Path file = Files.createTempDirectory("vigil-uring").resolve("dropped");
        LiveSensor.Triggered t = LiveSensor.trigger("uring-open", file.toString());
        FileEvent e = (FileEvent) s.await("create_file via io_uring", ev -> ev.type() == EventType.CREATE_FILE
                && ev.header().pid() == t.pid());
        assertEquals(file.toString(), e.path());
        assertTrue(s.all(ev -> ev.type() == EventType.OPEN && ev.header().pid() == t.pid()
                && ((FileEvent) ev).path().equals(file.toString())).isEmpty(), "no open syscall was made");
    }

    @Test
    void watchedFileReadThroughIoUring() throws Exception {
        LiveSensor s = LiveSensor.get();
        Path file = LiveSensor.WATCHED_DIR.resolve("uring-created");
        Files.deleteIfExists(file);
        LiveSensor.Triggered t = LiveSensor.trigger("uring-open", file.toString());
        FileEvent e = (FileEvent) s.await("file_write via io_uring", ev -> ev.type() == EventType.FILE_WRITE
                && ev.header().pid() == t.pid());
        assertEquals(file.toString(), e.path());
        Files.deleteIfExists(file);
    }

    @Test
    void connectThroughIoUring() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered t = LiveSensor.trigger("uring-connect");
        int port = t.outInt(0);
        NetEvent e = (NetEvent) s.await("connect via io_uring", ev -> ev.type() == EventType.CONNECT && ev.header().pid() == t.pid());
        assertEquals("127.0.0.1", e.addr().dip());
        assertEquals(port, e.addr().dport());
        assertEquals(0, e.header().res());
    }

    @Test
    void aPacketSocketThroughIoUring() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered t = LiveSensor.trigger("uring-packet-socket");
        var e = (dev.vigil.event.TaskEvent.RawSocket) s.await("raw_socket via io_uring", ev -> ev.type() == EventType.RAW_SOCKET
                && ev.header().pid() == t.pid());
        assertEquals(17, e.family(), "AF_PACKET");
        assertEquals(t.outInt(0), e.header().res(), "the descriptor io_uring returned");
        assertTrue(s.all(ev -> ev.type() == EventType.RAW_SOCKET && ev.header().pid() == t.pid()).size() == 1, "no socket(2) was made");
    }

    @Test
    void procMemOfAnotherProcessThroughIoUring() throws Exception {
        LiveSensor s = LiveSensor.get();
        Process victim = new ProcessBuilder("/bin/sleep", "30").start();
        try {
            s.await("the victim's exec", ev -> ev.type() == EventType.EXECVE && ev.header().pid() == victim.pid());
            LiveSensor.Triggered t = LiveSensor.trigger("uring-open", "/proc/" + victim.pid() + "/environ");
            var e = (dev.vigil.event.TaskEvent.ProcessMemory) s.await("process_memory via io_uring", ev -> ev.type() == EventType.PROCESS_MEMORY
                    && ev.header().pid() == t.pid());
            assertEquals(victim.pid(), e.targetPid());
        } finally {
            victim.destroy();
        }
    }

    /** rename, link, symlink and unlink through io_uring: no syscall fires, the events come from submission and completion. */
    @Test
    void pathOperationsThroughIoUring() throws Exception {
        LiveSensor s = LiveSensor.get();
        Path dir = Files.createTempDirectory("vigil-uring-paths");
        LiveSensor.Triggered t = LiveSensor.trigger("uring-paths", dir.toString());
        FileEvent rename = (FileEvent) s.await("rename via io_uring", ev -> ev.type() == EventType.RENAME && ev.header().pid() == t.pid());
        assertEquals(dir.resolve("a").toString(), rename.path());
        assertEquals(dir.resolve("b").toString(), rename.path2());
        assertEquals(0, rename.header().res());
        FileEvent link = (FileEvent) s.await("hard link via io_uring", ev -> ev.type() == EventType.LINK && ev.header().pid() == t.pid()
                && ((FileEvent) ev).path2().endsWith("/c"));
        assertEquals(dir.resolve("b").toString(), link.path());
        FileEvent symlink = (FileEvent) s.await("symlink via io_uring", ev -> ev.type() == EventType.LINK && ev.header().pid() == t.pid()
                && ((FileEvent) ev).path2().endsWith("/d"));
        assertEquals("target", symlink.path());
        FileEvent unlink = (FileEvent) s.await("unlink via io_uring", ev -> ev.type() == EventType.UNLINK && ev.header().pid() == t.pid());
        assertEquals(dir.resolve("c").toString(), unlink.path());
        FileEvent mkdir = (FileEvent) s.await("mkdir via io_uring", ev -> ev.type() == EventType.MKDIR && ev.header().pid() == t.pid());
        assertEquals(dir.resolve("e").toString(), mkdir.path());
        assertEquals(0750, mkdir.mode());
        assertTrue(s.all(ev -> ev.type() == EventType.OPEN && ev.header().pid() == t.pid() && ((FileEvent) ev).path().endsWith("/b")).isEmpty());
    }

    /** A rename through io_uring inside a watched directory is a watched_change too, as the syscall's is. */
    @Test
    void aWatchedRenameThroughIoUring() throws Exception {
        LiveSensor s = LiveSensor.get();
        Path dir = Files.createTempDirectory(LiveSensor.WATCHED_DIR, "uring");
        LiveSensor.Triggered t = LiveSensor.trigger("uring-paths", dir.toString());
        var change = LiveSensor.fields(s.await("watched_change rename via io_uring", ev -> ev.type() == EventType.WATCHED_CHANGE
                && ev.header().pid() == t.pid() && "rename".equals(LiveSensor.fields(ev).get("action"))));
        assertEquals(dir.resolve("a").toString(), change.get("file"));
        assertEquals(dir.resolve("b").toString(), change.get("new_name"));
    }

    /** An open into a fixed-file slot has no descriptor: the file is read from the ring's table. */
    @Test
    void openIntoAFixedFileSlot() throws Exception {
        LiveSensor s = LiveSensor.get();
        Path file = Files.createTempDirectory("vigil-uring-fixed").resolve("slotted");
        LiveSensor.Triggered t = LiveSensor.trigger("uring-open-fixed", file.toString());
        FileEvent e = (FileEvent) s.await("create_file into a fixed slot", ev -> ev.type() == EventType.CREATE_FILE
                && ev.header().pid() == t.pid());
        assertEquals(file.toString(), e.path());
    }
}
