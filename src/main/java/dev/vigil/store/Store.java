package dev.vigil.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
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
    static final int SCHEMA = 2;

    static {
        useUnpackedNativeLibrary();
    }

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
            return new Store(file, prepare(connect("jdbc:sqlite:" + file)));
        } catch (SQLException e) {
            throw new IOException("open store " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * A store in memory, gone when closed: the agent's warm-up writes its made-up events there, so
     * that the writer's code is compiled before the first real event and nothing made up is kept.
     */
    public static Store scratch() throws SQLException {
        return new Store(null, prepare(connect("jdbc:sqlite::memory:")));
    }

    /** A connection from SQLite's driver itself: DriverManager would first find and load every driver the class path offers. */
    public static Connection connect(String url) throws SQLException {
        return org.sqlite.JDBC.createConnection(url, new java.util.Properties());
    }

    /**
     * Points SQLite's driver at its native library as the build unpacked it beside the classes
     * (target/sqlite-native), before any connection. Without it the driver copies the library out
     * of its jar into the temporary directory at every start, comparing it byte by byte with any
     * copy already there (docs/benchmarks.md), and a killed agent left it behind. Where the build
     * left none (another layout, another processor), the driver does as it always did.
     */
    private static void useUnpackedNativeLibrary() {
        String arch = switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64" -> "aarch64";
            default -> null;
        };
        if (arch == null || System.getProperty("org.sqlite.lib.path") != null) {
            return;
        }
        try {
            Path code = Path.of(Store.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dir = code.getParent().resolve("sqlite-native/org/sqlite/native/Linux").resolve(arch);
            if (Files.isRegularFile(dir.resolve("libsqlitejdbc.so"))) {
                System.setProperty("org.sqlite.lib.path", dir.toString());
                System.setProperty("org.sqlite.lib.name", "libsqlitejdbc.so");
            }
        } catch (java.net.URISyntaxException | RuntimeException elsewhere) {
            // the driver finds its own
        }
    }

    private static Connection prepare(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA auto_vacuum=INCREMENTAL"); // takes effect on a new file: deleted pages can be returned
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=NORMAL"); // durable against a killed process; WAL recovers on open
            s.execute("PRAGMA busy_timeout=5000");
            s.execute("PRAGMA foreign_keys=OFF");
            for (String ddl : DDL) {
                s.execute(ddl);
            }
            if (!hasColumn(c, "events", "shared")) { // a store of schema 1
                s.execute("ALTER TABLE events ADD COLUMN shared TEXT");
            }
            s.execute("PRAGMA user_version=" + SCHEMA);
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        c.setAutoCommit(false);
        return c;
    }

    private static final List<String> DDL = List.of(
            """
            CREATE TABLE IF NOT EXISTS events (
              id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, host TEXT NOT NULL, type TEXT NOT NULL,
              exec_id TEXT, pid INTEGER, json TEXT NOT NULL, shared TEXT)""",
            "CREATE TABLE IF NOT EXISTS shared_values (id INTEGER PRIMARY KEY, json TEXT NOT NULL, last_ts INTEGER NOT NULL)",
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

    private static boolean hasColumn(Connection c, String table, String column) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT 1 FROM pragma_table_info(?) WHERE name = ?")) {
            p.setString(1, table);
            p.setString(2, column);
            try (ResultSet r = p.executeQuery()) {
                return r.next();
            }
        }
    }

    Connection connection() {
        return db;
    }

    public Path file() {
        return file;
    }

    /**
     * Loads an incident exported by the console (incident, alerts, graph, events) so that a console
     * over this store shows it as it was: for `vigil show`, in a store of its own.
     */
    public void importIncident(com.fasterxml.jackson.databind.JsonNode export) throws SQLException {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var inc = export.path("incident");
        if (export.path("vigil_export").asInt() != 1 || !inc.isObject() || !inc.path("id").isTextual()) {
            throw new IllegalArgumentException("not an incident exported by Vigil (no vigil_export 1 with an incident)");
        }
        try (PreparedStatement i = db.prepareStatement("INSERT OR REPLACE INTO incidents VALUES (?,?,?,?,?,?,?,?,?,?)");
             PreparedStatement a = db.prepareStatement("INSERT OR REPLACE INTO alerts VALUES (?,?,?,?,?,?,?,?,?)");
             PreparedStatement p = db.prepareStatement("""
                     INSERT OR REPLACE INTO processes(exec_id, host, pid, start, parent_exec_id, exe, args, comm, uid, user, started_ts, ended_ts, exit_code)
                     VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)""");
             PreparedStatement e = db.prepareStatement("INSERT INTO events(ts, host, type, exec_id, pid, json) VALUES (?,?,?,?,?,?)")) {
            i.setString(1, inc.path("id").asText());
            i.setString(2, inc.path("title").asText());
            i.setString(3, inc.path("severity").asText());
            i.setLong(4, inc.path("first_ts").asLong());
            i.setLong(5, inc.path("last_ts").asLong());
            i.setString(6, inc.path("hosts").toString());
            i.setString(7, inc.path("techniques").toString());
            i.setLong(8, inc.path("alert_count").asLong());
            i.setString(9, inc.path("root_exec_id").asText(null));
            i.setString(10, inc.path("processes").toString());
            i.executeUpdate();
            for (var al : inc.path("alerts")) {
                a.setString(1, al.path("id").asText());
                a.setLong(2, al.path("ts").asLong());
                a.setString(3, al.path("host").asText());
                a.setString(4, al.path("rule").asText());
                a.setString(5, al.path("kind").asText());
                a.setString(6, al.path("priority").asText());
                var evs = al.path("events");
                a.setString(7, evs.isEmpty() ? null : evs.get(evs.size() - 1).path("exec_id").asText(null));
                a.setString(8, inc.path("id").asText());
                a.setString(9, al.toString());
                a.addBatch();
            }
            a.executeBatch();
            for (var n : export.path("graph").path("nodes")) {
                if (!n.path("kind").asText().equals("process")) {
                    continue;
                }
                String[] id = n.path("exec_id").asText(":0:0").split(":");
                p.setString(1, n.path("exec_id").asText());
                p.setString(2, n.path("host").asText());
                p.setLong(3, n.path("pid").asLong());
                p.setLong(4, id.length == 3 ? parseLong(id[1]) : 0);
                p.setString(5, n.path("parent_exec_id").asText(null));
                p.setString(6, n.path("exe").asText(null));
                p.setString(7, n.path("args").toString());
                p.setString(8, n.path("comm").asText(null));
                p.setLong(9, n.path("uid").asLong());
                p.setString(10, n.path("user").asText(null));
                p.setLong(11, n.path("started_ts").asLong());
                if (n.has("ended_ts")) {
                    p.setLong(12, n.path("ended_ts").asLong());
                    p.setLong(13, n.path("exit_code").asLong());
                } else {
                    p.setNull(12, java.sql.Types.INTEGER);
                    p.setNull(13, java.sql.Types.INTEGER);
                }
                p.addBatch();
            }
            p.executeBatch();
            for (var ev : export.path("events")) {
                e.setLong(1, ev.path("ts").asLong());
                e.setString(2, ev.path("nodename").asText());
                e.setString(3, ev.path("event").asText());
                e.setString(4, ev.path("exec_id").asText(null));
                e.setLong(5, ev.path("pid").asLong());
                e.setString(6, json.writeValueAsString(ev));
                e.addBatch();
            }
            e.executeBatch();
            db.commit();
        } catch (com.fasterxml.jackson.core.JsonProcessingException bad) {
            db.rollback();
            throw new IllegalArgumentException("the export's events cannot be written back: " + bad.getOriginalMessage());
        } catch (SQLException | RuntimeException bad) {
            db.rollback();
            throw bad;
        }
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException bad) {
            return 0;
        }
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
        if (!List.of("events", "processes", "alerts", "incidents", "shared_values").contains(table)) {
            throw new IllegalArgumentException("no table " + table);
        }
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT count(*) FROM " + table)) {
            return r.next() ? r.getLong(1) : 0;
        }
    }

    /** The mean size in bytes of the JSON the events table holds for events of `type` (0 when there is none). */
    public double meanJsonBytes(String type) throws SQLException {
        try (PreparedStatement p = db.prepareStatement("SELECT coalesce(avg(length(CAST(json AS BLOB))), 0) FROM events WHERE type = ?")) {
            p.setString(1, type);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? r.getDouble(1) : 0;
            }
        }
    }

    /** The database's size on disk (main file and write-ahead log). */
    public long bytes() {
        long n = 0;
        if (file == null) {
            return n; // a scratch store: in memory
        }
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
        deleted += SharedValues.prune(db, minTs);
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
