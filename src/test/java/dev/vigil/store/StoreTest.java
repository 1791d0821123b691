package dev.vigil.store;

import dev.vigil.detect.Alert;
import dev.vigil.detect.Priority;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded store: what goes in comes back after a reopen, retention trims, and a kill -9 loses nothing committed. */
class StoreTest {
    static Map<String, Object> exec(long ts, long pid, long start, String comm) {
        Map<String, Object> e = new HashMap<>();
        e.put("event", "execve");
        e.put("ts", ts);
        e.put("nodename", "h");
        e.put("pid", pid);
        e.put("ppid", 1L);
        e.put("start_time", start);
        e.put("exec_id", "h:" + start + ":" + pid);
        e.put("parent_exec_id", "h:1:1");
        e.put("exe", "/usr/bin/" + comm);
        e.put("comm", comm);
        e.put("args", List.of(comm, "-x", "<img src=x onerror=alert(1)>"));
        e.put("uid", 0L);
        e.put("username", "root");
        e.put("res", 0L);
        return e;
    }

    /**
     * The sensor's thread hands its rows over once per drain: while the disk is held up, rows past
     * the queue's room are dropped and counted as such, and every row is either written or counted.
     */
    @Test
    void gatheredRowsPastTheQueuesRoomAreCountedNotLost() throws Exception {
        Path dir = Files.createTempDirectory("vigil-store-full");
        long now = System.currentTimeMillis() * 1_000_000L;
        int rows = StoreWriter.QUEUE + 2 * StoreWriter.GATHERED;
        try (Store store = Store.open(dir)) {
            StoreWriter w = new StoreWriter(store, Duration.ofDays(7), 1L << 30);
            try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + store.file())) {
                other.createStatement().execute("BEGIN EXCLUSIVE"); // the writer's first rows wait for the disk
                for (int i = 0; i < rows; i++) {
                    w.gather(exec(now + i, 100 + i, 10_000 + i, "cc"));
                }
                w.wake();
                assertTrue(w.dropped() >= StoreWriter.GATHERED, w.dropped() + " dropped of " + rows);
                assertTrue(w.dropReason().contains("with the write queue full"), w.dropReason());
                other.createStatement().execute("ROLLBACK");
            }
            w.close();
            assertEquals(rows, store.count("events") + w.dropped(), "every row written or counted: " + w.dropReason());
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    void eventsProcessesAlertsAndIncidentsComeBackAfterAReopen() throws Exception {
        Path dir = Files.createTempDirectory("vigil-store");
        long now = System.currentTimeMillis() * 1_000_000L;
        try (Store store = Store.open(dir)) {
            StoreWriter w = new StoreWriter(store, Duration.ofDays(7), 1L << 30);
            for (int i = 0; i < 5000; i++) {
                w.event(exec(now + i, 100 + i, 10_000 + i, "sh"));
            }
            Map<String, Object> exit = exec(now + 6000, 100, 10_000, "sh");
            exit.put("event", "exit");
            exit.put("exit_code", 3L);
            w.event(exit);
            w.alerts.accept(new Alert("a1", now, "Reverse shell", "rule", Priority.CRITICAL, List.of("T1059.004"), "x", "h",
                    List.of(exec(now, 100, 10_000, "sh")), List.of(), Map.of()));
            w.close();
            assertEquals(0, w.dropped(), w.lastError());
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("vigil.db"))));
        try (Store store = Store.open(dir)) {
            assertEquals("ok", store.integrityCheck());
            assertEquals(5000, store.count("events")); // the exit ends a process row, it is no row of its own
            assertEquals(5000, store.count("processes"));
            assertEquals(1, store.count("alerts"));
            assertEquals(1, store.count("incidents"));
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + store.file());
                 ResultSet r = c.createStatement().executeQuery("SELECT args, ended_ts, exit_code FROM processes WHERE pid = 100")) {
                assertTrue(r.next());
                // the arguments are JSON written as the events' JSON is: markup escaped
                assertEquals("[\"sh\",\"-x\",\"\\u003cimg src=x onerror=alert(1)\\u003e\"]", r.getString(1));
                assertEquals(now + 6000, r.getLong(2));
                assertEquals(3, r.getLong(3));
            }
            // retention by age: everything is older than "now + 1 day"
            store.retain(now + Duration.ofDays(1).toNanos(), 1L << 30);
            assertEquals(0, store.count("events"));
            assertEquals(0, store.count("alerts"));
        }
    }

    /**
     * SQLite's native library is loaded from where the build unpacked it: a writer in a JVM of its
     * own, killed in the middle of a burst, leaves its temporary directory as empty as it found it
     * (the driver's own way copied the library there at every start, and a kill left it behind).
     */
    @Test
    void aWriterLeavesNothingInTheTemporaryDirectory() throws Exception {
        Path dir = Files.createTempDirectory("vigil-store-tmp");
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"),
                StoreBurst.class.getName(), dir.resolve("data").toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && !(line.startsWith("written ") && Long.parseLong(line.substring(8)) >= 2_000)) {
                // until rows are committed: the store is open and the library loaded
            }
            assertTrue(line != null, "the writer stopped before committing");
        } finally {
            p.destroyForcibly();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        }
        try (var left = Files.list(tmp)) {
            assertEquals(List.of(), left.map(f -> f.getFileName().toString()).toList());
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** A writer in another JVM, killed with SIGKILL in the middle of a burst: the store reopens sound with every row it reported committed. */
    @Test
    void aKilledWriterLosesNothingCommitted() throws Exception {
        Path dir = Files.createTempDirectory("vigil-store-kill");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), StoreBurst.class.getName(), dir.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        long committed = 0;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("written ")) {
                    committed = Long.parseLong(line.substring(8));
                    if (committed >= 50_000) {
                        break;
                    }
                }
            }
        }
        new ProcessBuilder("kill", "-KILL", String.valueOf(p.pid())).start().waitFor();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue(), "killed by SIGKILL");
        try (Store store = Store.open(dir)) {
            assertEquals("ok", store.integrityCheck());
            long rows = store.count("events");
            assertTrue(rows >= committed, rows + " rows after the kill, " + committed + " reported committed before it");
        }
    }
}
