package dev.vigil.cli;

import dev.vigil.agent.ConsoleStart;
import dev.vigil.agent.K8sAuditIntake;
import dev.vigil.agent.Lineage;
import dev.vigil.agent.IntegrityWatch;
import dev.vigil.agent.RaspIntake;
import dev.vigil.agent.RuleDrivenCollection;
import dev.vigil.agent.RuleReport;
import dev.vigil.agent.RunningAgent;
import dev.vigil.agent.SensorSession;
import dev.vigil.agent.TamperAlerts;
import dev.vigil.agent.WarmUp;
import dev.vigil.console.Console;
import dev.vigil.detect.Alert;
import dev.vigil.detect.Engine;
import dev.vigil.detect.EventMaps;
import dev.vigil.detect.Priority;
import dev.vigil.detect.RuleLoader;
import dev.vigil.enrich.JavaOrigins;
import dev.vigil.detect.RuleSet;
import dev.vigil.event.EventType;
import dev.vigil.sensor.HookSelection;
import dev.vigil.sensor.Hooks;
import dev.vigil.sensor.LossReport;
import dev.vigil.sensor.SensorOptions;
import dev.vigil.sink.AlertSink;
import dev.vigil.sink.Escape;
import dev.vigil.sink.OwnFiles;
import dev.vigil.store.Store;
import dev.vigil.store.StoreWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/** {@code vigil run}: the HIDS. Sensor → enrichment → rules → alerts as JSON lines. */
@Command(name = "run", description = "Run the agent: default hooks and the stock rules; alerts as JSON lines on stdout or --alerts FILE.")
final class RunCommand implements Callable<Integer> {
    @Option(names = "--hooks", defaultValue = "rules", paramLabel = "rules|default|all|NAME,NAME…",
            description = "Hooks to switch on; 'rules' (the default): those of the event types the loaded rules read (see 'vigil rules check --collect').")
    String hooks;

    @picocli.CommandLine.Mixin
    RuleOptions rules;

    @Option(names = "--alerts", paramLabel = "FILE", description = "Append alerts to FILE instead of stdout.")
    Path alertsFile;

    @Option(names = "--duration", defaultValue = "0", paramLabel = "SECONDS", description = "Stop after this many seconds (0: run until stopped).")
    long duration;

    @Option(names = "--data", defaultValue = "/var/lib/vigil", paramLabel = "DIR",
            description = "The embedded store (events, processes, alerts, incidents) lives in DIR/vigil.db.")
    Path dataDir;

    @Option(names = "--no-store", description = "Keep nothing on disk: alerts go to stdout or --alerts only (and no console).")
    boolean noStore;

    @Option(names = "--listen", defaultValue = "127.0.0.1:7070", paramLabel = "HOST:PORT",
            description = "The console's HTTP address (loopback unless you say otherwise; port 0 picks a free one).")
    String listen;

    @Option(names = "--no-console", description = "No HTTP console.")
    boolean noConsole;

    @Option(names = "--retention-days", defaultValue = "7", paramLabel = "DAYS", description = "Store: drop what is older.")
    long retentionDays;

    @Option(names = "--retention-mb", defaultValue = "1024", paramLabel = "MB", description = "Store: drop the oldest events past this size.")
    long retentionMb;

    @Option(names = "--fold", defaultValue = "60", paramLabel = "SECONDS",
            description = "Repeats of a rule in the same process tree or terminal session within SECONDS fold into its first alert,"
                    + " reported as a count when the window closes (0: an alert for every match).")
    long foldSeconds;

    @Option(names = "--env-max", defaultValue = "2048", paramLabel = "BYTES", description = "Environment bytes kept per exec for proc.env (0-4096, 0: none).")
    int envMax;

    @Option(names = "--rate-limit", defaultValue = "" + SensorOptions.DEFAULT_RATE_LIMIT, paramLabel = "EVENTS",
            description = "While the kernel's ring buffer is filling, a process past EVENTS per second (after a second's burst) has its"
                    + " further events suppressed in the kernel, counted as rate_limited by hook, so one flood cannot crowd out the rest."
                    + " Execs, forks and exits are never suppressed. 0: off.")
    int rateLimit;

    @Option(names = "--connect-repeats", paramLabel = "N",
            description = "Failed connects reported per process, destination, port and error in 10 s; the kernel counts the rest as folded"
                    + " (the summary and the console's health show them) instead of sending each. Successful connects and the first"
                    + " attempts at every port are always reported. 0: report every one. Default: the largest count of a threshold"
                    + " rule that can count a failed connect, at least " + SensorOptions.DEFAULT_CONNECT_REPEATS + ".")
    Integer connectRepeats;

    @picocli.CommandLine.Mixin
    K8sAuditOptions k8sAudit;

    @Option(names = "--rasp", defaultValue = "on", paramLabel = "on|off",
            description = "Attach the JVM RASP to every Java process (16 and later), running now or started later, for the JVM events rules read (default on).")
    String rasp;

    @Option(names = "--rasp-exclude", paramLabel = "PATTERN",
            description = "Leave these JVMs alone: a main class or jar, a java path, or user:NAME (* matches anything). Repeatable.")
    List<String> raspExclude = new ArrayList<>();

    @Option(names = "--integrity-interval", defaultValue = "10m", paramLabel = "DURATION",
            description = "Run the rootkit and kernel integrity checks at start and then this often (e.g. 10m, 1h, 90s; 0: at start only; off: never),"
                    + " each pass once the host has a quiet second (within two minutes). Default ${DEFAULT-VALUE}.")
    String integrityInterval;

    /** The most audit events' rows the store's queue holds before the audit queue waits: they are large, and the heap is for the kernel's events too. */
    private static final int AUDIT_ROWS_QUEUED = 2_048;

    private static final long LOSS_ALERT_INTERVAL_NS = 30_000_000_000L;

    @Override
    public Integer call() throws Exception {
        if (!rasp.equals("on") && !rasp.equals("off")) {
            throw new IllegalArgumentException("--rasp takes on or off, not '" + rasp + "'");
        }
        java.time.Duration integrityEvery = integrityInterval.equals("off") ? null : RunCommand.duration("--integrity-interval", integrityInterval);
        if (rateLimit < 0) {
            throw new IllegalArgumentException("--rate-limit must be 0 (off) or events per second per process, not " + rateLimit);
        }
        if (connectRepeats != null && connectRepeats < 0) {
            throw new IllegalArgumentException("--connect-repeats must be 0 (report every failed connect) or more, not " + connectRepeats);
        }
        // the store (SQLite, its schema, retention) opens on its own thread while the rules and the kernel programs load
        java.util.concurrent.CompletableFuture<StoreWriter> opening = noStore ? java.util.concurrent.CompletableFuture.completedFuture(null)
                : java.util.concurrent.CompletableFuture.supplyAsync(this::openStore, r -> Thread.ofPlatform().daemon().name("vigil-store-open").start(r));
        AtomicReference<StoreWriter> storeRef = new AtomicReference<>();
        List<Path> paths;
        RuleSet set;
        Writer w;
        Thread warmUp;
        try {
            paths = rules.paths();
            set = RuleLoader.load(paths);
            RuleReport.report(set);
            RuleReport.requireReadable(set);
            warmUp = WarmUp.start(set);
            try {
                w = alertsFile == null ? new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8)
                        : OwnFiles.appendPrivate(alertsFile);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot write alerts to " + alertsFile + ": " + RuleLoader.why(e));
            }
        } catch (RuntimeException e) {
            closeWhenOpen(opening);
            throw e;
        }
        try (AlertSink lines = new AlertSink(new BufferedWriter(w))) {
            java.util.function.Consumer<Alert> sink = a -> {
                lines.accept(a);
                StoreWriter st = storeRef.get();
                if (st != null) {
                    st.alerts.accept(a);
                }
            };
            AtomicReference<SensorSession> session = new AtomicReference<>();
            Engine engine = new Engine(set, sink, e -> Lineage.of(session.get(), e)).fold(RuleOptions.foldWindow(foldSeconds));
            // tamper evidence is part of the agent, not a hook one can leave out
            boolean byRules = hooks.equals("rules");
            EnumSet<EventType> selected = EnumSet.copyOf(byRules ? RuleDrivenCollection.hooks(set.collection()) : HookSelection.parse(hooks));
            selected.add(EventType.AGENT_TAMPER);
            SensorOptions options = SensorOptions.of(selected).withRawSyscalls(!byRules && HookSelection.asksForRawSyscalls(hooks))
                    .withTamperLog(true).withEnvMax(envMax).withRateLimit(rateLimit).withConnectRepeats(connectRepeats != null ? connectRepeats : RuleDrivenCollection.connectRepeats(set)).withWatches(RuleDrivenCollection.watches(set.collection()));
            LossWatch losses = new LossWatch(sink, engine);
            TamperAlerts tamper = new TamperAlerts(sink, e -> Lineage.of(session.get(), e));
            SensorSession s;
            JavaOrigins origins = new JavaOrigins();
            AtomicReference<RaspIntake> raspRef = new AtomicReference<>();
            AtomicReference<IntegrityWatch> integrityRef = new AtomicReference<>();
            try {
                s = new SensorSession(options, en -> {
                    EventType type = en.event().type();
                    if (!engine.reads(type) && !TamperAlerts.reads(type) && !IntegrityWatch.reads(type) && !RaspIntake.reads(type)
                            && !origins.active()) {
                        StoreWriter st = storeRef.get();
                        if (st != null) { // an event no one reads as fields (a process's exit): its row only
                            st.gather(en);
                        }
                        return;
                    }
                    Map<String, Object> e = EventMaps.of(en);
                    boolean fromJava = origins.join(e);
                    StoreWriter st = storeRef.get();
                    if (st != null) { // woken once the drain is delivered (below)
                        if (fromJava) {
                            st.gather(e); // with the Java stack the event's own fields do not have
                        } else {
                            st.gather(en);
                        }
                    }
                    RaspIntake r = raspRef.get();
                    if (r != null) {
                        r.kernelEvent(e);
                    }
                    IntegrityWatch iw = integrityRef.get();
                    if (iw != null) {
                        iw.kernelEvent(e);
                    }
                    tamper.accept(e);
                    engine.accept(e);
                }, () -> {
                    losses.check(session.get());
                    engine.tick(System.currentTimeMillis() * 1_000_000L);
                    StoreWriter st = storeRef.get();
                    if (st != null) {
                        st.wake();
                    }
                });
            } catch (RuntimeException e) {
                closeWhenOpen(opening);
                throw e;
            }
            StoreWriter store = joinStore(opening, s);
            storeRef.set(store);
            session.set(s);
            s.previousTamper().ifPresent(en -> {
                Map<String, Object> e = EventMaps.of(en);
                e.put("previous_run", true);
                tamper.accept(e);
            });
            RuleWatch watch = new RuleWatch(paths, engine, next -> {
                // hooks stay as started; the paths the new rules read join the watch list
                for (var added : RuleDrivenCollection.watches(next.collection())) {
                    s.stream().sensor().watch(List.of(added.path()), added.bits());
                }
            });
            watch.start();
            Console console = store == null || noConsole ? null : ConsoleStart.on(listen, dataDir, new RunningAgent(s, engine, store, integrityRef::get));
            K8sAuditIntake.Options auditOptions = k8sAudit.intake(dataDir);
            K8sAuditIntake audit = null;
            if (auditOptions.any()) {
                try {
                    audit = K8sAuditIntake.start(auditOptions, dev.vigil.enrich.Enricher.hostname(), e -> {
                        StoreWriter st = storeRef.get();
                        if (st != null) {
                            try { // the audit queue waits for the store, and the webhook answers 503 meanwhile: the API server sends again
                                st.eventWaiting(e, AUDIT_ROWS_QUEUED);
                            } catch (InterruptedException stopping) {
                                Thread.currentThread().interrupt();
                            }
                        }
                        engine.accept(e);
                    });
                } catch (IllegalArgumentException e) {
                    watch.stop();
                    if (console != null) {
                        console.close();
                    }
                    s.stream().close();
                    s.stream().awaitTermination();
                    if (store != null) {
                        store.close();
                    }
                    throw e;
                }
            }
            try {
                raspRef.set(RaspIntake.start(new RaspIntake.Options(rasp.equals("on"), raspExclude,
                        RuleDrivenCollection.raspEvents(set.collection()), RuleDrivenCollection.raspBlocking(set), engine::blocks), e -> {
                    StoreWriter st = storeRef.get();
                    if (st != null) {
                        st.event(e);
                    }
                    engine.accept(e);
                }, origins, s.cache(), dev.vigil.enrich.Enricher.hostname()));
            } catch (IllegalArgumentException e) {
                System.err.println("vigil: " + e.getMessage());
            }
            if (integrityEvery != null) {
                integrityRef.set(IntegrityWatch.start(integrityEvery, e -> {
                    StoreWriter st = storeRef.get();
                    if (st != null) {
                        st.event(e);
                    }
                    engine.accept(e);
                }, dev.vigil.enrich.Enricher.hostname(), s.cache()));
            }
            warmUp.join();
            // the start's garbage (the warm-up's, the rules' loading, libbpf's) collected before ready: with the serial
            // collector the heap shrinks only at a full collection, and an idle agent would keep the start's peak
            System.gc();
            try {
                s.run(duration, "INT", "TERM");
            } finally {
                watch.stop();
                if (integrityRef.get() != null) {
                    integrityRef.get().close();
                }
                if (raspRef.get() != null) {
                    raspRef.get().close();
                    System.err.println("vigil: " + raspRef.get().summary());
                }
                if (audit != null) {
                    audit.close();
                    System.err.println("vigil: " + audit.summary());
                }
                engine.flush();
                if (console != null) {
                    console.close();
                }
                if (store != null) {
                    store.close();
                    System.err.println("vigil: store " + dataDir.resolve("vigil.db") + ": " + store.written() + " rows written"
                            + (store.dropped() > 0 ? ", " + store.dropped() + " dropped (" + Escape.line(store.dropReason()) + ")" : ""));
                }
            }
            System.err.println("vigil: " + (engine.alerts() + tamper.raised()) + " alerts" + (tamper.raised() > 0 ? " (" + tamper.raised() + " tamper)" : "")
                    + (engine.folded() > 0 ? ", " + engine.folded() + " repeats folded" : "") + (engine.ruleErrorTotal() == 0 ? ""
                    : "; rule evaluation errors " + engine.ruleErrorTotal() + " " + engine.ruleErrors() + " (last: "
                    + Escape.line(engine.lastRuleError()) + ")"));
        }
        return 0;
    }


    /** "10m", "1h", "90s" or plain seconds; a user's mistake is one line naming the option. */
    static java.time.Duration duration(String option, String value) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,9})([smhd]?)").matcher(value.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException(option + " takes a duration such as 90s, 10m or 1h (or off), not '" + value + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "m" -> java.time.Duration.ofMinutes(n);
            case "h" -> java.time.Duration.ofHours(n);
            case "d" -> java.time.Duration.ofDays(n);
            default -> java.time.Duration.ofSeconds(n);
        };
    }

    /** A store opened for a run that failed before it could use it: closed once open. */
    private static void closeWhenOpen(java.util.concurrent.CompletableFuture<StoreWriter> opening) {
        opening.thenAccept(st -> {
            try {
                if (st != null) {
                    st.close();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** The store once open; when it could not open, the sensor is closed and the reason thrown as opening gave it. */
    private static StoreWriter joinStore(java.util.concurrent.CompletableFuture<StoreWriter> opening, SensorSession s) throws InterruptedException {
        try {
            return opening.join();
        } catch (java.util.concurrent.CompletionException e) {
            s.stream().close();
            s.stream().awaitTermination();
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private StoreWriter openStore() {
        return StoreWriter.open(dataDir, retentionDays, retentionMb, "choose another with --data DIR, or run with --no-store");
    }

    /**
     * Raises one health alert, at most every 30 s, when kernel events were lost or rules failed to
     * evaluate events since the last one: either way detections may have missed something.
     */
    private static final class LossWatch {
        private final java.util.function.Consumer<Alert> sink;
        private final Engine engine;
        private long reported, reportedSuppressed, reportedRuleErrors, lastAlertNs = Long.MIN_VALUE / 2, lastCheckNs = Long.MIN_VALUE / 2;
        /** Reading the loss counters is a map lookup per hook and cause (a few hundred syscalls): once a second is enough. */
        private static final long CHECK_INTERVAL_NS = 1_000_000_000L;

        LossWatch(java.util.function.Consumer<Alert> sink, Engine engine) {
            this.sink = sink;
            this.engine = engine;
        }

        void check(SensorSession s) {
            long now = System.nanoTime();
            if (s == null || now - lastAlertNs < LOSS_ALERT_INTERVAL_NS || now - lastCheckNs < CHECK_INTERVAL_NS) {
                return;
            }
            lastCheckNs = now;
            LossReport r = s.stream().losses();
            long lost = r.lost(), suppressed = r.suppressed(), ruleErrors = engine.ruleErrorTotal();
            if (lost <= reported && suppressed <= reportedSuppressed && ruleErrors <= reportedRuleErrors) {
                return;
            }
            long delta = lost - reported, suppressedDelta = suppressed - reportedSuppressed, ruleDelta = ruleErrors - reportedRuleErrors;
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("lost", delta);
            extra.put("suppressed", suppressedDelta);
            extra.put("ringbuf_full", r.total("ringbuf_full"));
            extra.put("decode", r.total("decode"));
            extra.put("rate_limited", suppressed);
            extra.put("by_hook", r.byHook());
            extra.put("rule_errors", ruleDelta);
            extra.put("rule_errors_by_rule", engine.ruleErrors());
            if (ruleDelta > 0) {
                extra.put("last_rule_error", engine.lastRuleError());
            }
            reported = lost;
            reportedSuppressed = suppressed;
            reportedRuleErrors = ruleErrors;
            lastAlertNs = now;
            long wall = System.currentTimeMillis() * 1_000_000L;
            List<String> what = new ArrayList<>();
            if (delta > 0) {
                what.add("Kernel events were lost: " + delta + " since the last report");
            }
            if (suppressedDelta > 0) {
                what.add(suppressedDelta + " events of processes over the rate limit were suppressed while the agent fell behind");
            }
            if (ruleDelta > 0) {
                what.add("rules failed on " + ruleDelta + " events since the last report");
            }
            String output = String.join("; ", what) + "; detections may have missed them";
            sink.accept(new Alert(Engine.idOf("Vigil lost events", wall), wall, "Vigil lost events", "health", Priority.ERROR,
                    List.of("vigil", "health"), output, dev.vigil.enrich.Enricher.hostname(), List.of(), List.of(), extra));
        }
    }

    /** Reloads rules on SIGHUP and when a rule file changes; a broken set is reported and the previous rules keep running. */
    private static final class RuleWatch {
        private final List<Path> paths;
        private final Engine engine;
        private volatile boolean stop;
        private volatile boolean hup;
        private Thread thread;

        private final java.util.function.Consumer<RuleSet> reloaded;

        RuleWatch(List<Path> paths, Engine engine, java.util.function.Consumer<RuleSet> reloaded) {
            this.paths = paths;
            this.engine = engine;
            this.reloaded = reloaded;
        }

        void start() {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> hup = true);
            } catch (IllegalArgumentException unavailable) {
                // no SIGHUP reload; file changes still reload
            }
            thread = new Thread(() -> {
                FileTime seen = newest();
                while (!stop) {
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                    FileTime now = newest();
                    if (hup || !now.equals(seen)) {
                        hup = false;
                        seen = now;
                        RuleSet next = RuleLoader.load(paths);
                        if (next.clean()) {
                            engine.rules(next);
                            try {
                                reloaded.accept(next);
                            } catch (RuntimeException notNow) {
                                System.err.println("vigil: the new rules' paths could not all be watched: " + Escape.line(String.valueOf(notNow.getMessage())));
                            }
                            System.err.println("vigil: rules reloaded: " + next.detections().size() + " detections");
                        } else {
                            RuleReport.report(next);
                            System.err.println("vigil: rules not reloaded (" + next.errors().size() + " errors): the previous rules keep running");
                        }
                    }
                }
            }, "vigil-rules");
            thread.setDaemon(true);
            thread.start();
        }

        private FileTime newest() {
            FileTime max = FileTime.fromMillis(0);
            for (Path p : paths) {
                try (var s = Files.isDirectory(p) ? Files.list(p) : java.util.stream.Stream.of(p)) {
                    for (Path f : s.toList()) {
                        FileTime t = Files.getLastModifiedTime(f);
                        if (t.compareTo(max) > 0) {
                            max = t;
                        }
                    }
                } catch (IOException gone) {
                    // a missing file is a change the reload will report
                }
            }
            return max;
        }

        void stop() {
            stop = true;
            if (thread != null) {
                thread.interrupt();
            }
        }
    }
}
