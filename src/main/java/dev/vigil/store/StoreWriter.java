package dev.vigil.store;

import dev.vigil.detect.Alert;
import dev.vigil.enrich.EnrichedEvent;
import dev.vigil.sink.AlertJson;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Writes events, processes, alerts and incidents into the {@link Store} off the event path: the
 * sensor's thread only offers to a bounded queue, and one writer thread writes each item as it
 * comes and commits every 200 ms or 2,000 items. A full queue drops the item and counts it — the
 * store never makes the sensor wait, and nothing is lost without a count. Retention by age and
 * size runs every minute. The sensor's thread {@link #gather}s its rows and {@link #wake}s the
 * writer once per drain; every other producer wakes it with each item.
 */
public final class StoreWriter implements AutoCloseable {
    /**
     * An event to write: a live one (`event`: its row's columns and JSON come from one pass over its
     * fields, in the writer's thread), or one known as its fields (from Kafka, another source, a
     * recording), whose row is split the same way.
     */
    private record EventRow(Map<String, Object> fields, EnrichedEvent event) {}

    private record AlertRow(Alert alert) {}

    static final int QUEUE = 16_384, BATCH = 2_000;
    private static final long BATCH_NS = 200_000_000L;
    private static final int FLUSH = 64;
    /** Rows the sensor's thread queues before it wakes the writer anyway (see {@link #gather(EnrichedEvent)}). */
    static final int GATHERED = 1_024;

    private final Store store;
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicLong dropped = new AtomicLong(), queueFull = new AtomicLong(), written = new AtomicLong();
    private final Incidents incidents = new Incidents();
    private final AlertJson alertJson = new AlertJson();
    private final dev.vigil.sink.JsonWriter columnJson = new dev.vigil.sink.JsonWriter();
    private final Duration keep;
    /** Kernel start times are CLOCK_BOOTTIME; this turns them into wall-clock times. */
    private final long bootToWallNs = System.currentTimeMillis() * 1_000_000L - dev.vigil.sensor.BootTime.now();
    private final long maxBytes;
    private final Thread thread;
    private volatile boolean closing;
    private volatile String lastError = "";
    /** Rows queued since the last wakeup: a hint, not a count kept under a lock (a lost update only moves a wakeup). */
    private int gathered;
    private long nextRetentionNs = System.nanoTime();

    public StoreWriter(Store store, Duration keep, long maxBytes) {
        this.store = store;
        this.keep = keep;
        this.maxBytes = maxBytes;
        this.thread = Thread.ofPlatform().name("vigil-store").daemon().start(this::loop);
    }

    /**
     * The sandbox hooks' every-call events (every open, write, exit_group, sleep, mprotect) are not
     * kept as rows: at their rates the disk would compete with the sensor for the CPU. Alerts keep
     * the events they matched; a process's exit still ends its row.
     */
    public static final java.util.Set<String> NOT_STORED = java.util.Set.of("open", "write", "exit_group", "nanosleep", "mprotect",
            "tkill", "tgkill", "fork", "cgroup");

    /**
     * From the event path: never blocks, and leaves the row and its JSON to the writer's thread. Only
     * the event waits in the queue, not the rules' map of it, so that a full queue holds a tenth of
     * the memory.
     */
    public void event(EnrichedEvent event) {
        gather(event);
        wake();
    }

    /** An event known only as its fields (a recording, a test): never blocks. */
    public void event(Map<String, Object> fields) {
        gather(fields);
        wake();
    }

    /**
     * As {@link #event(EnrichedEvent)}, without waking the writer: for the sensor's thread, which
     * calls {@link #wake} once its drain is delivered. A wakeup per row cost the sensor a futex call
     * (and the other core an interrupt) per event, and woke the writer for one row at a time;
     * past {@link #GATHERED} rows the writer is woken anyway, so that a long drain never fills the queue.
     */
    public void gather(EnrichedEvent event) {
        if (!NOT_STORED.contains(event.event().type().eventName())) {
            offer(new EventRow(null, event));
        }
    }

    /** As {@link #event(Map)}, without waking the writer (see {@link #gather(EnrichedEvent)}). */
    public void gather(Map<String, Object> fields) {
        if (!(fields.get("event") instanceof String type && NOT_STORED.contains(type))) {
            offer(new EventRow(fields, null));
        }
    }

    /** Wakes the writer for what was gathered. */
    public void wake() {
        gathered = 0;
        java.util.concurrent.locks.LockSupport.unpark(thread);
    }

    private void offer(EventRow row) {
        if (!queue.offer(row)) {
            dropped.incrementAndGet();
            queueFull.incrementAndGet();
        } else if (++gathered >= GATHERED) {
            wake();
        }
    }

    /**
     * From a source that can wait (a Kafka consumer: the broker keeps what is not read yet; the
     * audit webhook, whose sender sends again): waits for room rather than dropping.
     */
    public void eventWaiting(Map<String, Object> fields) throws InterruptedException {
        if (fields.get("event") instanceof String type && NOT_STORED.contains(type)) {
            return;
        }
        queue.put(new EventRow(fields, null));
        wake();
    }

    /**
     * As {@link #eventWaiting}, but waits while `most` rows are queued already: a source whose
     * events are large (Kubernetes audit events) keeps little of the heap in the queue, and leaves
     * the rest of it to the kernel's events, which cannot wait.
     */
    public void eventWaiting(Map<String, Object> fields, int most) throws InterruptedException {
        synchronized (room) {
            while (queue.size() >= most) {
                waitingForRoom = true;
                room.wait(100);
            }
        }
        eventWaiting(fields);
    }

    private final Object room = new Object();
    private volatile boolean waitingForRoom;

    /** Alerts are few and matter most: this waits up to a second for room. */
    public final Consumer<Alert> alerts = a -> {
        try {
            if (!queue.offer(new AlertRow(a), 1, TimeUnit.SECONDS)) {
                dropped.incrementAndGet();
                queueFull.incrementAndGet();
            }
            wake();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            dropped.incrementAndGet();
        }
    };

    /** Items the store could not take (a full queue, or a failed write), counted. */
    public long dropped() {
        return dropped.get();
    }

    public long written() {
        return written.get();
    }

    /** Items waiting to be written: the store's lag. */
    public int lag() {
        return queue.size();
    }

    /** Why items were dropped: how many found the queue full (the disk slower than the events), and the last write error. */
    public String dropReason() {
        long full = queueFull.get(), failed = dropped.get() - full;
        String why = full > 0 ? full + " with the write queue full" : "";
        if (failed > 0) {
            why += (why.isEmpty() ? "" : ", ") + failed + " in failed writes (last: " + lastError + ")";
        }
        return why;
    }

    public String lastError() {
        return lastError;
    }

    /**
     * Each item goes into the open transaction as it arrives, and the transaction commits every
     * 200 ms or 2,000 items. A commit writes each page it touched (the row's and each index's) to
     * the log once, so committing every few rows wrote the same index pages again and again; and
     * writing rows as they come, rather than holding a batch of them, lets each event's objects
     * die young instead of filling the old generation. With nothing queued the writer parks until
     * a producer wakes it, the commit is due, or (idle) the next retention.
     */
    private void loop() {
        try (Transaction tx = new Transaction(store.connection())) {
            boolean interrupted = false;
            while ((!closing || !queue.isEmpty()) && !interrupted) {
                interrupted = !step(tx);
            }
            tx.commit();
        } catch (SQLException e) {
            lastError = String.valueOf(e.getMessage());
        }
    }

    /**
     * Writes the next item, waiting for one when none is queued; false when the thread was
     * interrupted. A method of its own so that the JIT compiles it after a few hundred items: as
     * the body of the loop in {@link #loop} it ran interpreted until on-stack replacement, tens of
     * thousands of items later.
     */
    private boolean step(Transaction tx) throws SQLException {
        Object item = queue.poll();
        if (item == null) {
            long wait = tx.items == 0 ? Math.max(1, nextRetentionNs - System.nanoTime()) : tx.deadline - System.nanoTime();
            if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(this, wait);
                if (Thread.currentThread().isInterrupted()) { // close() does not interrupt; whoever did gets what was written committed
                    return false;
                }
                item = queue.poll();
            }
        }
        if (item != null) {
            tx.write(item);
        }
        if (waitingForRoom) {
            synchronized (room) {
                waitingForRoom = false;
                room.notifyAll();
            }
        }
        if (tx.items > 0 && (tx.items >= BATCH || System.nanoTime() >= tx.deadline)) {
            tx.commit();
        }
        if (tx.items == 0) {
            retention();
        }
        return true;
    }

    /** The writer's open transaction, with its statements prepared once. */
    private final class Transaction implements AutoCloseable {
        private final Connection db;
        private final PreparedStatement ev, proc, exit, known, al, inc;
        private final SharedValues shared;
        private final dev.vigil.sink.JsonWriter rowJson = new dev.vigil.sink.JsonWriter();
        private final SharedValues.Splitter splitter;
        private final Columns columns = new Columns();
        /** In the order they run: a process's row before its exit's update, as the items came. */
        private final List<PreparedStatement> statements;
        int items;
        /** Items bound since the statements last ran: a batch runs in one call per statement (about a fifth cheaper a row than one call a row). */
        private int pending;
        long deadline;

        Transaction(Connection db) throws SQLException {
            this.db = db;
            ev = db.prepareStatement("INSERT INTO events(ts, host, type, exec_id, pid, json, shared) VALUES (?,?,?,?,?,?,?)");
            shared = new SharedValues(db);
            splitter = shared.new Splitter(rowJson);
            proc = db.prepareStatement("""
                     INSERT INTO processes(exec_id, host, pid, start, parent_exec_id, ppid, exe, args, comm, uid, user, started_ts, sid, tty)
                     VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                     ON CONFLICT(exec_id) DO UPDATE SET exe=excluded.exe, args=excluded.args, comm=excluded.comm,
                       uid=excluded.uid, user=excluded.user""");
            exit = db.prepareStatement("UPDATE processes SET ended_ts=?, exit_code=? WHERE exec_id=?");
            known = db.prepareStatement("""
                     INSERT OR IGNORE INTO processes(exec_id, host, pid, start, parent_exec_id, ppid, exe, args, comm, uid, started_ts)
                     VALUES (?,?,?,?,?,?,?,?,?,?,?)""");
            al = db.prepareStatement("""
                     INSERT OR REPLACE INTO alerts(id, ts, host, rule, kind, priority, exec_id, incident_id, json)
                     VALUES (?,?,?,?,?,?,?,?,?)""");
            inc = db.prepareStatement("""
                     INSERT OR REPLACE INTO incidents(id, title, severity, first_ts, last_ts, hosts, techniques, alert_count, root_exec_id, processes)
                     VALUES (?,?,?,?,?,?,?,?,?,?)""");
            statements = List.of(ev, proc, exit, known, al, inc);
        }

        /** One item into the open transaction; one that fails is dropped, counted, and the rest go on. */
        void write(Object o) {
            if (items++ == 0) {
                deadline = System.nanoTime() + BATCH_NS;
            }
            try {
                switch (o) {
                    case EventRow r -> event(r);
                    case AlertRow r -> {
                        alert(r.alert(), al, inc);
                        lineage(r.alert(), known);
                    }
                    default -> { }
                }
            } catch (SQLException | RuntimeException e) {
                shared.forget();
                items--;
                dropped.incrementAndGet();
                lastError = String.valueOf(e.getMessage());
                return;
            }
            if (++pending >= FLUSH) {
                flush();
            }
        }

        /** Runs the bound rows; if a statement fails, the items since the last run are counted as dropped. */
        private void flush() {
            if (pending == 0) {
                return;
            }
            try {
                for (PreparedStatement p : statements) {
                    p.executeBatch();
                }
            } catch (SQLException e) {
                shared.forget();
                items -= pending;
                dropped.addAndGet(pending);
                lastError = String.valueOf(e.getMessage());
                for (PreparedStatement p : statements) {
                    try {
                        p.clearBatch();
                    } catch (SQLException ignored) {
                        // nothing bound is left to clear
                    }
                }
            }
            pending = 0;
        }

        /** Commits what was written; if the commit fails, every item of it is counted as dropped. */
        void commit() {
            flush();
            if (items == 0) {
                return;
            }
            try {
                db.commit();
                written.addAndGet(items);
            } catch (SQLException e) {
                shared.forget();
                dropped.addAndGet(items);
                lastError = String.valueOf(e.getMessage());
                try {
                    db.rollback();
                } catch (SQLException ignored) {
                    // the next item starts a new transaction
                }
            }
            items = 0;
        }

        @Override
        public void close() throws SQLException {
            for (PreparedStatement p : statements) {
                p.close();
            }
            shared.close();
        }

        private void event(EventRow r) throws SQLException {
            Columns c;
            String json = null, refs = null;
            boolean live = r.event() != null;
            if (live ? r.event().event().type() == dev.vigil.event.EventType.EXIT : "exit".equals(r.fields().get("event"))) {
                if (live) { // an exit ends its process's row: no JSON to write
                    r.event().fields(columns.reset());
                    c = columns;
                } else {
                    c = columns.of(r.fields());
                }
            } else {
                rowJson.begin();
                splitter.begin(columns);
                if (live) {
                    r.event().fields(splitter);
                } else {
                    splitter.fields(r.fields());
                }
                c = columns;
                json = rowJson.end().toString();
                refs = splitter.refs();
            }
            if (c.type.equals("exit")) { // ends the process's row; no event row of its own
                if (c.execId != null) {
                    exit.setLong(1, c.ts);
                    exit.setLong(2, c.exitCode);
                    exit.setString(3, c.execId);
                    exit.addBatch();
                }
                return;
            }
            ev.setLong(1, c.ts);
            ev.setString(2, c.host);
            ev.setString(3, c.type);
            ev.setString(4, c.execId);
            ev.setLong(5, c.pid);
            ev.setString(6, json);
            ev.setString(7, refs);
            ev.addBatch();
            if (c.execId != null && c.type.equals("execve") && c.res >= 0) {
                proc.setString(1, c.execId);
                proc.setString(2, c.host);
                proc.setLong(3, c.pid);
                proc.setLong(4, c.startTime);
                proc.setString(5, c.parentExecId);
                proc.setLong(6, c.ppid);
                proc.setString(7, c.exe);
                proc.setString(8, c.args == null ? null : json(c.args));
                proc.setString(9, c.comm);
                proc.setLong(10, c.uid);
                proc.setString(11, c.username);
                proc.setLong(12, c.ts);
                proc.setLong(13, c.sid);
                proc.setString(14, c.tty);
                proc.addBatch();
            }
        }
    }

    /**
     * A row for each process in the alert's lineage that has none: processes started before the
     * agent (the sshd or login shell an attack came through) and forks that never exec'd, so that
     * the attack graph can draw the whole chain. A row an exec wrote is left as it is.
     */
    private void lineage(Alert a, PreparedStatement known) throws SQLException {
        List<Map<String, Object>> chain = a.lineage();
        for (int k = 0; k < chain.size(); k++) {
            Map<String, Object> p = chain.get(k);
            long pid = number(p.get("pid")), start = number(p.get("start"));
            if (pid <= 0 || start < 0) {
                continue;
            }
            Map<String, Object> parent = k + 1 < chain.size() ? chain.get(k + 1) : null;
            known.setString(1, a.host() + ":" + start + ":" + pid);
            known.setString(2, a.host());
            known.setLong(3, pid);
            known.setLong(4, start);
            known.setString(5, parent == null ? null : a.host() + ":" + number(parent.get("start")) + ":" + number(parent.get("pid")));
            known.setLong(6, parent == null ? 0 : number(parent.get("pid")));
            known.setString(7, p.get("exe") instanceof String x ? x : null);
            known.setString(8, p.get("cmdline") instanceof String c && !c.isEmpty() ? json(List.of(c)) : null);
            known.setString(9, String.valueOf(p.get("comm")));
            known.setObject(10, p.get("uid") instanceof Number u ? u.longValue() : null);
            known.setLong(11, start + bootToWallNs);
            known.addBatch();
        }
    }

    private void alert(Alert a, PreparedStatement al, PreparedStatement inc) throws SQLException {
        Incidents.Incident i = incidents.assign(a);
        al.setString(1, a.id());
        al.setLong(2, a.timeNs());
        al.setString(3, a.host());
        al.setString(4, a.rule());
        al.setString(5, a.kind());
        al.setString(6, a.priority().name());
        al.setString(7, a.events().isEmpty() ? null : a.events().getLast().get("exec_id") instanceof String s ? s : null);
        al.setString(8, i == null ? null : i.id());
        al.setString(9, alertJson.write(a).toString());
        al.addBatch();
        if (i != null) {
            inc.setString(1, i.id());
            inc.setString(2, i.title);
            inc.setString(3, i.severity.name());
            inc.setLong(4, i.firstTs);
            inc.setLong(5, i.lastTs);
            inc.setString(6, json(List.copyOf(i.hosts)));
            inc.setString(7, json(List.copyOf(i.techniques)));
            inc.setLong(8, i.alertCount);
            inc.setString(9, i.root);
            inc.setString(10, json(List.copyOf(i.processes)));
            inc.addBatch();
        }
    }

    private void retention() {
        if (System.nanoTime() < nextRetentionNs) {
            return;
        }
        nextRetentionNs = System.nanoTime() + 60_000_000_000L;
        try {
            store.retain(System.currentTimeMillis() * 1_000_000L - keep.toNanos(), maxBytes);
        } catch (SQLException e) {
            lastError = "retention: " + e.getMessage();
        }
    }

    /** A column's JSON (argument lists, an incident's hosts, an event known as fields): the writer's thread only. */
    private String json(Object o) {
        return columnJson.json(o);
    }

    private static long number(Object o) {
        return o instanceof Number n ? n.longValue() : -1;
    }

    /** Writes what is queued, then stops. */
    @Override
    public void close() throws InterruptedException {
        closing = true;
        wake(); // a writer parked on an empty queue sees `closing` at once; a full queue keeps it awake anyway
        thread.join(30_000);
    }

    /** The store in `dir` with its retention, or one clear line saying why it cannot be opened and what to do (`hint`). */
    public static StoreWriter open(Path dir, long retentionDays, long retentionMb, String hint) {
        if (retentionDays < 1 || retentionMb < 16) {
            throw new IllegalArgumentException("--retention-days must be 1 or more and --retention-mb 16 or more");
        }
        try {
            return new StoreWriter(Store.open(dir), java.time.Duration.ofDays(retentionDays), retentionMb << 20);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot open the store in " + dir + ": " + dev.vigil.detect.RuleLoader.why(e) + " (" + hint + ")");
        }
    }
}
