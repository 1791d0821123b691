package dev.vigil.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded store: one SQLite database in the data directory (write-ahead log, so a process
 * killed at any moment loses nothing already committed and the next open recovers). It holds
 * events, processes (one row per exec, keyed by the process identity), alerts and incidents,
 * indexed by time, rule, process and host. One connection, used by the writer thread; readers
 * open their own.
 */
public final class Store implements AutoCloseable {
    static final int SCHEMA = 1;

    private final Path file;
    private final Connection db;

    private Store(Path file, Connection db) {
        this.file = file;
        this.db = db;
    }

    /** Opens (or creates) DIR/vigil.db; the directory is made 0700 when it does not exist. */
    public static Store open(Path dir) throws IOException {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            }
        } catch (UnsupportedOperationException noPosix) {
            Files.createDirectories(dir);
        }
        Path file = dir.resolve("vigil.db");
        if (!Files.exists(file)) {
            // events hold command lines and paths: readable by root only (the log and index files take this mode)
            try {
                Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException noPosix) {
                Files.createFile(file);
            }
        }
        try {
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA auto_vacuum=INCREMENTAL"); // takes effect on a new file: deleted pages can be returned
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL"); // durable against a killed process; WAL recovers on open
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("PRAGMA foreign_keys=OFF");
                for (String ddl : DDL) {
                    s.execute(ddl);
                }
                s.execute("PRAGMA user_version=" + SCHEMA);
            }
            c.setAutoCommit(false);
            return new Store(file, c);
        } catch (SQLException e) {
            throw new IOException("open store " + file + ": " + e.getMessage(), e);
        }
    }

    private static final List<String> DDL = List.of(
            """
            CREATE TABLE IF NOT EXISTS events (
              id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, host TEXT NOT NULL, type TEXT NOT NULL,
              exec_id TEXT, pid INTEGER, json TEXT NOT NULL)""",
            "CREATE INDEX IF NOT EXISTS events_ts ON events(ts)",
            "CREATE INDEX IF NOT EXISTS events_exec ON events(exec_id, ts)",
            "CREATE INDEX IF NOT EXISTS events_type ON events(type, ts)",
            """
            CREATE TABLE IF NOT EXISTS processes (
              exec_id TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, start INTEGER NOT NULL,
              parent_exec_id TEXT, ppid INTEGER, exe TEXT, args TEXT, comm TEXT, uid INTEGER, user TEXT,
              started_ts INTEGER, ended_ts INTEGER, exit_code INTEGER, sid INTEGER, tty TEXT)""",
            "CREATE INDEX IF NOT EXISTS processes_parent ON processes(parent_exec_id)",
            "CREATE INDEX IF NOT EXISTS processes_host_started ON processes(host, started_ts)",
            """
            CREATE TABLE IF NOT EXISTS alerts (
              id TEXT PRIMARY KEY, ts INTEGER NOT NULL, host TEXT NOT NULL, rule TEXT NOT NULL, kind TEXT NOT NULL,
              priority TEXT NOT NULL, exec_id TEXT, incident_id TEXT, json TEXT NOT NULL)""",
            "CREATE INDEX IF NOT EXISTS alerts_ts ON alerts(ts)",
            "CREATE INDEX IF NOT EXISTS alerts_rule ON alerts(rule, ts)",
            "CREATE INDEX IF NOT EXISTS alerts_incident ON alerts(incident_id)",
            "CREATE INDEX IF NOT EXISTS alerts_host ON alerts(host, ts)",
            """
            CREATE TABLE IF NOT EXISTS incidents (
              id TEXT PRIMARY KEY, title TEXT NOT NULL, severity TEXT NOT NULL, first_ts INTEGER NOT NULL,
              last_ts INTEGER NOT NULL, hosts TEXT NOT NULL, techniques TEXT NOT NULL, alert_count INTEGER NOT NULL,
              root_exec_id TEXT, processes TEXT NOT NULL)""",
            "CREATE INDEX IF NOT EXISTS incidents_last ON incidents(last_ts)");

    Connection connection() {
        return db;
    }

    public Path file() {
        return file;
    }

    /** SQLite's own check of the file: "ok" when sound. */
    public String integrityCheck() throws SQLException {
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("PRAGMA integrity_check")) {
            List<String> out = new ArrayList<>();
            while (r.next()) {
                out.add(r.getString(1));
            }
            return String.join("; ", out);
        }
    }

    public long count(String table) throws SQLException {
        if (!List.of("events", "processes", "alerts", "incidents").contains(table)) {
            throw new IllegalArgumentException("no table " + table);
        }
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT count(*) FROM " + table)) {
            return r.next() ? r.getLong(1) : 0;
        }
    }

    /** The database's size on disk (main file and write-ahead log). */
    public long bytes() {
        long n = 0;
        for (Path p : List.of(file, file.resolveSibling(file.getFileName() + "-wal"))) {
            try {
                n += Files.size(p);
            } catch (IOException absent) {
                // no log yet
            }
        }
        return n;
    }

    /**
     * Retention: events, processes and alerts older than `minTs` go, then the oldest events until
     * the store is below `maxBytes` (in chunks, so the writer is never held long). Returns rows deleted.
     */
    public long retain(long minTs, long maxBytes) throws SQLException {
        long deleted = 0;
        try (PreparedStatement e = db.prepareStatement("DELETE FROM events WHERE ts < ?");
             PreparedStatement p = db.prepareStatement("DELETE FROM processes WHERE coalesce(ended_ts, started_ts) < ?");
             PreparedStatement a = db.prepareStatement("DELETE FROM alerts WHERE ts < ?");
             PreparedStatement i = db.prepareStatement("DELETE FROM incidents WHERE last_ts < ?")) {
            for (PreparedStatement s : List.of(e, p, a, i)) {
                s.setLong(1, minTs);
                deleted += s.executeUpdate();
            }
        }
        db.commit();
        for (int round = 0; round < 100 && bytes() > maxBytes && count("events") > 0; round++) {
            try (Statement s = db.createStatement()) {
                deleted += s.executeUpdate("DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id LIMIT 10000)");
            }
            db.commit();
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            }
            if (bytes() > maxBytes) {
                try (Statement s = db.createStatement()) {
                    s.execute("PRAGMA incremental_vacuum");
                }
            }
        }
        return deleted;
    }

    @Override
    public void close() throws SQLException {
        try {
            db.commit();
        } finally {
            db.close();
        }
    }
}
