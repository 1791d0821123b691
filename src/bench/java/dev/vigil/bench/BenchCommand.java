package dev.vigil.bench;

import dev.vigil.agent.RulePaths;
import dev.vigil.agent.SensorSession;
import dev.vigil.cli.TempDir;
import dev.vigil.detect.Engine;
import dev.vigil.detect.EventMaps;
import dev.vigil.detect.RuleLoader;
import dev.vigil.detect.RuleSet;
import dev.vigil.sensor.HookSelection;
import dev.vigil.sensor.SensorOptions;
import dev.vigil.sink.Escape;
import dev.vigil.store.Store;
import dev.vigil.store.StoreWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code vigil bench}: the cost of the agent on real workloads, as ratios against the same
 * workloads without the agent, measured in one invocation: baseline, then the full pipeline
 * (sensor, enrichment, stock rules) with the default hooks, then with all hooks.
 */
@Command(name = "vigil bench", mixinStandardHelpOptions = true, version = "vigil bench " + dev.vigil.cli.Main.VERSION, description = "Measure the agent's overhead on syscall-, exec-, file- and connect-heavy workloads (ratios to a run without it),"
        + " the store's and the rule engine's throughput, and the console's graph load time.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--rounds", defaultValue = "3", description = "Runs per workload and setting; the median is reported (beside the peers, each round's ratio is paired: their geometric mean and its 95 % interval).")
    int rounds;

    @Option(names = "--scale", defaultValue = "1", description = "Multiplies every workload's size.")
    int scale;

    @Option(names = "--env-max", defaultValue = "2048", paramLabel = "BYTES", description = "Environment bytes kept per exec (0: none), to measure what capturing it costs.")
    int envMax;

    @Option(names = "--engine-rules", paramLabel = "PATH", description = "Also measure the rule engine over these rule files together (repeatable), e.g. Falco's.")
    List<java.nio.file.Path> engineRules = new ArrayList<>();

    @Option(names = "--engine-only", description = "Measure only the rule engine (no kernel, no root needed).")
    boolean engineOnly;

    @Option(names = "--bpf-only", description = "Measure only what each BPF program costs in the kernel, on the exec and connect workloads.")
    boolean bpfOnly;

    @Option(names = "--agent-only", description = "Measure only `vigil run` from outside: start to ready, RSS idle and under load, alert latency.")
    boolean agentOnly;

    @Option(names = "--console-only", description = "Measure only the console: an incident graph of 500 processes, from the API and in headless Chromium.")
    boolean consoleOnly;

    @Option(names = "--pipeline-only", description = "Measure only the events per second the whole pipeline takes with nothing lost.")
    boolean pipelineOnly;

    @Option(names = "--peers-only", description = "Measure only Vigil beside auditd and execsnoop (build cold and warm, exec storm, connect loop, dd), each started afresh per round.")
    boolean peersOnly;

    @Option(names = "--fleet-only", description = "Measure only fleet mode on a local broker: bytes per event, and what one and two servers take.")
    boolean fleetOnly;

    @Option(names = "--rasp-only", description = "Measure only the JVM RASP: a web application's request loop with no agent, the RASP off and the RASP attached.")
    boolean raspOnly;

    @Option(names = "--integrity-only", description = "Measure only the rootkit and integrity checks: the CPU of a first pass and of the passes after it.")
    boolean integrityOnly;

    @Option(names = "--k8s-audit-only", description = "Measure only Kubernetes audit events: the rule engine over Falco's k8saudit file, and vigil run's webhook end to end.")
    boolean k8sAuditOnly;

    @Option(names = "--k8s-rules", defaultValue = "../shared/third_party/falco-k8saudit-rules/k8s_audit_rules.yaml", paramLabel = "PATH",
            description = "Falco's k8s_audit_rules.yaml, for the Kubernetes audit figures (default ${DEFAULT-VALUE}).")
    Path k8sRules;

    @Option(names = "--against", paramLabel = "JAR", description = "Measure only the agent's CPU per event against another build's vigil.jar, "
            + "both in one JVM in alternating slices paired by round, with a control.")
    private Path against;

    @Option(names = "--smoke", description = "One quick round of everything at a tenth of the size: checks that each measure works, not what it is.")
    boolean smoke;

    record Workload(String name, String what, List<String> command) {}

    /** A workload's size: `base` times --scale, or a tenth of it for --smoke. */
    private int size(int base) {
        return smoke ? Math.max(1, base / 10) : base * Math.max(1, scale);
    }

    private List<Workload> workloads(Path tmp, BenchPrograms programs, BenchContainer box) {
        List<Workload> out = new java.util.ArrayList<>(List.of(
                new Workload("build", BenchPrograms.MODULES + "-file C project: make -j2, then its tests", programs.build()),
                new Workload("syscalls", size(2_000_000) + " read+write of 500 B (dd), no hooked syscall",
                        List.of("dd", "if=/dev/zero", "of=/dev/null", "bs=500", "count=" + size(2_000_000))),
                new Workload("exec", size(1000) + " fork+exec of /bin/true", BenchPrograms.execLoop(size(1000))),
                new Workload("files", size(3000) + " shell file creations + cat of each (tmp dir)",
                        List.of("/bin/sh", "-c", "i=0; while [ $i -lt " + size(3000) + " ]; do echo x > " + tmp + "/f$i; cat " + tmp
                                + "/f$i >/dev/null; i=$((i+1)); done; rm -f " + tmp + "/f*")),
                new Workload("connect", size(2000) + " TCP connects to closed loopback ports", programs.connectLoop(size(2000)))));
        if (box != null) {
            // a shell loop, as "exec", inside one running container: each exec is a container's, with its metadata and watch keys
            out.add(new Workload("container", size(1000) + " fork+exec of /bin/true in a container (docker exec)",
                    box.exec(BenchPrograms.execLoop(size(1000)))));
        }
        return out;
    }

    @Override
    public Integer call() throws Exception {
        if (engineOnly) {
            printEngine();
            return 0;
        }
        if (against != null) {
            AgainstBench.run(System.out, AgainstBench.thisBuild(), against, rounds, smoke);
            return 0;
        }
        if (consoleOnly) {
            ConsoleBench.run(System.out);
            return 0;
        }
        if (k8sAuditOnly) {
            K8sAuditBench.run(System.out, k8sRules, smoke);
            return 0;
        }
        if (raspOnly) {
            RaspBench.run(System.out, rounds, smoke);
            return 0;
        }
        if (integrityOnly) {
            IntegrityBench.run(System.out, rounds, smoke);
            return 0;
        }
        try (TempDir tmp = TempDir.create("vigil-bench"); BenchPrograms programs = BenchPrograms.make();
             BenchContainer box = fleetOnly || bpfOnly || agentOnly || pipelineOnly || peersOnly ? null : BenchContainer.startOrNull(System.err)) {
            return measure(workloads(tmp.path(), programs, box), programs);
        }
    }

    private int measure(List<Workload> ws, BenchPrograms programs) throws Exception {
        if (fleetOnly) {
            fleet(ws);
            return 0;
        }
        if (bpfOnly) {
            bpfCost(ws);
            return 0;
        }
        if (agentOnly) {
            AgentBench.run(System.out, exec(ws), programs, smoke);
            return 0;
        }
        if (pipelineOnly) {
            pipelineThroughput(programs);
            return 0;
        }
        if (peersOnly) {
            PeerBench.run(System.out, programs, rounds, smoke);
            return 0;
        }
        Map<String, long[]> base = new LinkedHashMap<>(), dflt = new LinkedHashMap<>(), all = new LinkedHashMap<>();
        System.err.println("vigil bench: " + (smoke ? "smoke: 1" : rounds) + " rounds per workload after a warm-up round, environment capture "
                + envMax + " bytes; baseline first");
        warmUp(ws);
        for (Workload w : ws) {
            base.put(w.name(), time(w));
        }
        AtomicLong events = new AtomicLong();
        StoreWriter store;
        long defaultEvents;
        try (TempDir data = TempDir.create("vigil-bench-store")) {
            store = new StoreWriter(Store.open(data.path()), java.time.Duration.ofDays(1), 1L << 30);
            defaultEvents = withAgent("default", ws, dflt, events, store);
            store.close();
        }
        long allEvents = withAgent("all", ws, all, events, null);
        System.out.printf("%-9s %-58s %10s %10s %7s %10s %7s%n", "workload", "what", "baseline", "default", "ratio", "all", "ratio");
        for (Workload w : ws) {
            long b = median(base.get(w.name())), d = median(dflt.get(w.name())), a = median(all.get(w.name()));
            System.out.printf("%-9s %-58s %8d ms %8d ms %7.2f %8d ms %7.2f%n", w.name(), w.what(), b / 1_000_000, d / 1_000_000,
                    (double) d / b, a / 1_000_000, (double) a / b);
        }
        System.out.printf("events through the pipeline: default %d, all %d%n", defaultEvents, allEvents);
        bpfCost(ws);
        pipelineThroughput(programs);
        System.out.printf("store (default hooks, every workload above): %,d rows written, %,d dropped%s%n", store.written(), store.dropped(),
                store.dropped() > 0 ? " (" + Escape.line(store.dropReason()) + ")" : "");
        printEngine();
        K8sAuditBench.run(System.out, k8sRules, smoke);
        RaspBench.run(System.out, rounds, smoke);
        IntegrityBench.run(System.out, rounds, smoke);
        ConsoleBench.run(System.out);
        AgentBench.run(System.out, exec(ws), programs, smoke);
        PeerBench.run(System.out, programs, rounds, smoke);
        fleet(ws);
        return 0;
    }

    /** Fleet mode's figures, on the events of the workloads that make some (all but the bare syscalls). */
    private void fleet(List<Workload> ws) throws Exception {
        FleetBench.run(System.out, ws.stream().filter(w -> !w.name().equals("syscalls")).map(Workload::command).toList(), sample(), size(200_000));
    }

    private static List<String> exec(List<Workload> ws) {
        return ws.stream().filter(w -> w.name().equals("exec")).findFirst().orElseThrow().command();
    }

    /** Offered rates, events per second, each for {@link #STEP_SECONDS}. */
    private static final long[] RATES = {25_000, 50_000, 100_000, 200_000, 400_000, 800_000};
    private static final double STEP_SECONDS = 3;

    /**
     * Events per second from the kernel through the whole pipeline (sensor, enrichment, the stock
     * rules, the store) with nothing lost: the generator offers rising rates of open events (the
     * default hooks and the open hook; the cheapest event to make), the rate limit off. A step is clean when the kernel lost and
     * suppressed nothing; the store's drops are shown beside it, since the store writes on its own thread.
     */
    private void pipelineThroughput(BenchPrograms programs) throws Exception {
        RuleSet rules = RuleLoader.load(List.of(RulePaths.stockPack()));
        AtomicLong delivered = new AtomicLong();
        try (TempDir data = TempDir.create("vigil-bench-store"); TempDir where = TempDir.create("vigil-bench-flood")) {
            StoreWriter store = new StoreWriter(Store.open(data.path()), java.time.Duration.ofDays(1), 1L << 30);
            Engine engine = new Engine(rules, store.alerts, Engine::lineageFromTree);
            // the drain marker: an exec with this argument, sent after each step; the ring delivers in order
            java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CountDownLatch> drained = new java.util.concurrent.atomic.AtomicReference<>();
            String marker = "vigil-bench-drained-" + ProcessHandle.current().pid();
            SensorSession s = new SensorSession(SensorOptions.of(HookSelection.parse("default,open")).withEnvMax(envMax).withRateLimit(0), en -> {
                delivered.incrementAndGet();
                if (en.event() instanceof dev.vigil.event.ExecEvent x && x.args().contains(marker) && drained.get() != null) {
                    drained.get().countDown();
                }
                store.event(en);
                engine.accept(EventMaps.of(en));
            }, () -> { });
            s.stream().startAsync();
            double clean = 0, stored = 0;
            try {
                Thread.sleep(500);
                for (long rate : smoke ? new long[] {RATES[0]} : RATES) {
                    long lostBefore = kernelLoss(s), droppedBefore = store.dropped(), before = delivered.get(), cpuBefore = ownCpuNs();
                    long t0 = System.nanoTime();
                    Process p = new ProcessBuilder(programs.flood(false, rate, STEP_SECONDS, where.path())).redirectErrorStream(true).start();
                    String done = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
                    p.waitFor();
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    drained.set(new java.util.concurrent.CountDownLatch(1));
                    new ProcessBuilder("/bin/true", marker).start().waitFor();
                    if (!drained.get().await(120, java.util.concurrent.TimeUnit.SECONDS)) {
                        System.out.println("pipeline: the drain marker did not come back within 120 s (lost in the kernel?); the figures below include what came by then");
                    }
                    long rounds = done.matches("\\d+") ? Long.parseLong(done) : 0;
                    long lost = kernelLoss(s) - lostBefore, dropped = store.dropped() - droppedBefore;
                    double achieved = rounds / seconds;
                    long got = delivered.get() - before;
                    double cpu = (ownCpuNs() - cpuBefore) / 1e9;
                    System.out.printf("pipeline: offered %,d events/s, generated %,.0f/s: %,d delivered, %,d lost or suppressed in the kernel,"
                            + " %,d not stored; the agent's CPU %.1f s, %,.0f events per CPU-second%n", rate, achieved, got, lost, dropped,
                            cpu, got / Math.max(cpu, 1e-3));
                    if (lost > 0) {
                        break;
                    }
                    clean = Math.max(clean, achieved);
                    if (dropped == 0) {
                        stored = Math.max(stored, achieved);
                    }
                    if (achieved < rate * 0.9) {
                        break; // the generator's core is the limit now, not the agent
                    }
                }
            } finally {
                s.stream().close();
                s.stream().awaitTermination();
                store.close();
            }
            System.out.printf("pipeline: %,.0f events/s through the rules with nothing lost in the kernel, %,.0f/s with every row stored"
                    + " (target ≥ 500,000)%n", clean, stored);
        }
    }

    /** This JVM's CPU time, all threads (the pipeline runs here; the generator is another process). */
    private static long ownCpuNs() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static long kernelLoss(SensorSession s) {
        var r = s.stream().losses();
        return r.lost() + r.suppressed();
    }

    private void printEngine() throws Exception {
        System.out.printf("rule engine alone: %,.0f events/s over the stock pack (replay of synthetic events; target ≥ 3,000,000)%n",
                engineThroughput(List.of(RulePaths.stockPack())));
        RuleSet stock = RuleLoader.load(List.of(RulePaths.stockPack()));
        List<String> exec = stock.detections().stream().map(d -> d.name())
                .filter(n -> stock.collection().byRule().get(n) == null || stock.collection().byRule().get(n).contains("execve")).toList();
        long met = exec.stream().filter(n -> !stock.names().containsKey(n) || stock.names().get(n).contains("cc")).count();
        System.out.printf("rule engine: an exec of cc meets %d of the stock pack's %d exec detections (the rest are bound to other process names)%n",
                met, exec.size());
        if (!engineOnly) {
            System.out.printf("store alone: %,.0f events/s written (synthetic events, as fast as the writer takes them)%n", storeThroughput());
        }
        UserspaceBench.run(System.out, smoke);
        if (!engineRules.isEmpty()) {
            System.out.printf("rule engine alone: %,.0f events/s over %s (target ≥ 2,000,000 for Falco's three host rule files)%n",
                    engineThroughput(engineRules), engineRules);
        }
    }

    /**
     * What each program costs in the kernel, from the kernel's own accounting (bpf_stats_enabled,
     * on only for this pass since it adds two clock reads per run): the exec and connect workloads
     * once more under the default hooks, each program's runs and average, and the sum over all
     * programs per workload iteration (per fork+exec+exit of /bin/true, per connect).
     */
    private void bpfCost(List<Workload> ws) throws Exception {
        RuleSet rules = RuleLoader.load(List.of(RulePaths.stockPack()));
        Engine engine = new Engine(rules, a -> { }, Engine::lineageFromTree);
        SensorSession s = new SensorSession(SensorOptions.of(HookSelection.parse("default")).withEnvMax(envMax),
                en -> engine.accept(EventMaps.of(en)), () -> { });
        s.stream().startAsync();
        boolean wasOn = dev.vigil.bpf.RunStats.enable();
        try {
            Thread.sleep(300);
            for (Workload w : ws) {
                int per = w.name().equals("exec") ? size(1000) : w.name().equals("connect") ? size(2000) : 0;
                if (per == 0) {
                    continue;
                }
                Map<String, dev.vigil.bpf.RunStats> before = new LinkedHashMap<>();
                s.stream().sensor().programStats().forEach(r -> before.put(r.program(), r));
                long irqWork0 = irqWork();
                Process p = new ProcessBuilder(w.command()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                p.waitFor();
                long irqWork = irqWork0 < 0 ? -1 : irqWork() - irqWork0;
                long total = 0;
                List<dev.vigil.bpf.RunStats> ran = new ArrayList<>();
                for (var r : s.stream().sensor().programStats()) {
                    var d = r.since(before.getOrDefault(r.program(), new dev.vigil.bpf.RunStats(r.program(), 0, 0)));
                    if (d.runs() > 0) {
                        ran.add(d);
                        total += d.runTimeNs();
                    }
                }
                ran.sort((a, b) -> Long.compare(b.runTimeNs(), a.runTimeNs()));
                System.out.printf("BPF cost, %s workload (default hooks): %.2f µs in BPF per %s, all programs (target ≤ %s)%n", w.name(),
                        total / 1000.0 / per, w.name().equals("exec") ? "fork+exec+exit" : "connect",
                        w.name().equals("exec") ? "5 µs" : "0.5 µs for the connect hook's own programs");
                for (var d : ran.subList(0, Math.min(8, ran.size()))) {
                    System.out.printf("  %-32s %9d runs %9.0f ns each %8.2f µs per %s%n", d.program(), d.runs(), d.averageNs(),
                            d.runTimeNs() / 1000.0 / per, w.name());
                }
                if (irqWork >= 0) {
                    System.out.printf("  interrupts to self on the host (IWI: the ring's wakeups of the reader among them): %d in %,d%n", irqWork, per);
                }
            }
        } finally {
            dev.vigil.bpf.RunStats.restore(wasOn);
            s.stream().close();
            s.stream().awaitTermination();
        }
    }

    /** Interrupts to self for deferred kernel work (IWI in /proc/interrupts, every CPU), which carry a ring's wakeups; -1 where not shown. */
    private static long irqWork() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/interrupts"))) {
                String t = line.strip();
                if (t.startsWith("IWI:")) {
                    long n = 0;
                    for (String f : t.substring(4).strip().split("\\s+")) {
                        if (!f.chars().allMatch(Character::isDigit)) {
                            break; // the description after the counts
                        }
                        n += Long.parseLong(f);
                    }
                    return n;
                }
            }
        } catch (java.io.IOException | RuntimeException notShown) {
            // no such line on this architecture or kernel
        }
        return -1;
    }

    /** The workloads under the whole pipeline with these hooks; with a store, every event is also offered to it as `vigil run` does. */
    private long withAgent(String hooks, List<Workload> ws, Map<String, long[]> into, AtomicLong events, StoreWriter store) throws Exception {
        RuleSet rules = RuleLoader.load(List.of(RulePaths.stockPack()));
        events.set(0);
        Engine engine = new Engine(rules, store == null ? a -> { } : store.alerts, Engine::lineageFromTree);
        SensorOptions options = SensorOptions.of(HookSelection.parse(hooks)).withEnvMax(envMax);
        SensorSession s = new SensorSession(options, en -> {
            events.incrementAndGet();
            Map<String, Object> e = EventMaps.of(en);
            if (store != null) {
                store.event(en);
            }
            engine.accept(e);
        }, () -> { });
        s.stream().startAsync();
        Thread.sleep(500);
        warmUp(ws);
        for (Workload w : ws) {
            into.put(w.name(), time(w));
        }
        s.stream().close();
        s.stream().awaitTermination();
        System.err.println("vigil bench: hooks " + hooks + (store == null ? "" : " and the store") + ": " + s.summary().substring("vigil: ".length()));
        return events.get();
    }

    /**
     * Each workload once, untimed: the steady state is measured, not the agent's first seconds, when
     * the JIT compiles its event paths (on an exec storm C2 takes more CPU than the events for the
     * first ~10,000 execs, then next to none: docs/benchmarks.md).
     */
    private void warmUp(List<Workload> ws) throws Exception {
        if (smoke) {
            return;
        }
        for (Workload w : ws) {
            new ProcessBuilder(w.command()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        }
    }

    private long[] time(Workload w) throws Exception {
        long[] t = new long[smoke ? 1 : Math.max(1, rounds)];
        for (int i = 0; i < t.length; i++) {
            long start = System.nanoTime();
            Process p = new ProcessBuilder(w.command()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor();
            t[i] = System.nanoTime() - start;
        }
        return t;
    }

    static long median(long[] t) {
        long[] c = t.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    /** The store writer's capacity: synthetic events offered as fast as its queue takes them, for five seconds. */
    private static double storeThroughput() throws Exception {
        try (TempDir data = TempDir.create("vigil-bench-store")) {
            StoreWriter w = new StoreWriter(Store.open(data.path()), java.time.Duration.ofDays(1), 1L << 30);
            List<Map<String, Object>> sample = sample();
            long n = 0, start = System.nanoTime();
            while (System.nanoTime() - start < 5_000_000_000L) {
                for (Map<String, Object> e : sample) {
                    while (w.lag() > 15_000) {
                        Thread.onSpinWait();
                    }
                    Map<String, Object> row = new LinkedHashMap<>(e);
                    row.put("ts", start + n);
                    row.put("nodename", "bench");
                    row.put("exec_id", "bench:" + (n / 10) + ":" + (1000 + n % 1000));
                    w.event(row);
                    n++;
                }
            }
            w.close();
            return w.written() / ((System.nanoTime() - start) / 1e9);
        }
    }

    /** Userspace only: synthetic execve/connect/file events through the given rules. */
    private static double engineThroughput(List<java.nio.file.Path> paths) {
        RuleSet rules = RuleLoader.load(paths);
        Engine engine = new Engine(rules, a -> { }, Engine::lineageFromTree);
        List<Map<String, Object>> sample = sample();
        long n = 0, start = System.nanoTime();
        while (System.nanoTime() - start < 2_000_000_000L) {
            for (Map<String, Object> e : sample) {
                e.put("ts", start + n);
                engine.accept(e);
                n++;
            }
        }
        return n / ((System.nanoTime() - start) / 1e9);
    }

    /** A thousand events: execs, connects and file creations in turn. */
    private static List<Map<String, Object>> sample() {
        List<Map<String, Object>> sample = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            Map<String, Object> e = new LinkedHashMap<>();
            switch (i % 3) {
                case 0 -> {
                    e.put("event", "execve");
                    e.put("comm", "ls");
                    e.put("exe", "/usr/bin/ls");
                    e.put("args", List.of("ls", "-la"));
                    e.put("stdin", "pipe:[1]");
                    e.put("pid_tree", i + ".ls<1.systemd");
                }
                case 1 -> {
                    e.put("event", "connect");
                    e.put("comm", "curl");
                    e.put("dip", "10.0.0." + (i % 200));
                    e.put("dport", 443L);
                }
                default -> {
                    e.put("event", "create_file");
                    e.put("comm", "cc1");
                    e.put("file_path", "/tmp/cc" + i + ".s");
                }
            }
            e.put("pid", (long) (1000 + i));
            e.put("uid", 1000L);
            e.put("res", 0L);
            sample.add(e);
        }
        return sample;
    }
}
