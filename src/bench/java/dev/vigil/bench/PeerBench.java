package dev.vigil.bench;

import dev.vigil.cli.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Vigil beside its peers on the same workloads, in one invocation: nothing, auditd with rules for
 * Elkeid's default hooks, libbpf-tools' execsnoop (a BPF exec tracer that only prints: the floor
 * for exec tracing), and `vigil run` as a new user starts it, with its JVM options and, beside it,
 * the same agent with the JIT's second tier back on, and with the ring drained every 10 ms whatever
 * the rate (as before the drains were paced: sensor.DrainPace). Each round starts every tool afresh, in an
 * order that turns round by round, and runs every workload under it: the first build after the
 * tool is ready is the cold build, the last one the warm build. Each tool's own CPU during each
 * workload is read from /proc (auditd's with the kernel's kauditd thread, which formats its records;
 * the agents' in ns from each thread's schedstat, threads that ended during the workload left out).
 * Every ratio pairs a tool's time with the other's in the same round ({@link PairedRatio}) and says
 * how sure it is: more rounds, a narrower interval.
 */
final class PeerBench {
    private PeerBench() {}

    /** What an agent lost or held back in a round, or did not store, from its summary lines at exit. */
    private static final List<String> LOSSES = new java.util.concurrent.CopyOnWriteArrayList<>();

    record Workload(String name, List<String> command) {}

    /** A run's row: the workload's wall time (ns), the tool's CPU during it (ns), the round. */
    private static final int WALL = 0, CPU = 1, ROUND = 2;

    /** Vigil's ratio to nothing as round two of the performance work sets it per workload (the connect loop has only the peers to meet). */
    private static final Map<String, String> RATIO_TARGETS = Map.of("build, cold", "1.05", "exec storm", "1.05", "dd", "1.03",
            "build, warm", "1.05");

    /** A tool running: its own CPU so far (ns), and how to stop it and put the host back as it was. */
    interface Running extends AutoCloseable {
        long cpuNs();

        /** Its CPU so far (ns) by thread, keyed "role tid", where it has threads worth telling apart. */
        default Map<String, Long> cpuByThread() {
            return Map.of();
        }

        @Override
        void close() throws Exception;
    }

    interface Peer {
        String name();

        /** Starts the tool and returns once it is watching; null when it cannot run here (it says why on `why`). */
        Running start(Path tmp, PrintStream why) throws Exception;
    }

    static void run(PrintStream out, BenchPrograms programs, int rounds, boolean smoke) throws Exception {
        int execs = smoke ? 150 : 1500, blocks = smoke ? 200_000 : 2_000_000, connects = smoke ? 2000 : 20000;
        List<Workload> workloads = List.of(
                new Workload("build, cold", programs.build()),
                new Workload("exec storm", BenchPrograms.execLoop(execs)),
                new Workload("connect loop", programs.connectLoop(connects)),
                new Workload("dd", List.of("dd", "if=/dev/zero", "of=/dev/null", "bs=500", "count=" + blocks)),
                new Workload("build, warm", programs.build()));
        List<Peer> peers = List.of(new Nothing(), new Auditd(), new Execsnoop(), new Vigil("vigil", List.of()),
                new Vigil("vigil, tiered JIT", List.of("-XX:TieredStopAtLevel=4")),
                new Vigil("vigil, 10 ms drains", List.of("-Dvigil.drain.busy-ms=10")));
        Map<String, Map<String, List<long[]>>> results = new LinkedHashMap<>(); // peer → workload → {WALL, CPU, ROUND} per round
        Map<String, List<Map<String, Long>>> threads = new LinkedHashMap<>(); // workload → Vigil's CPU by thread, per round
        List<String> skipped = new ArrayList<>();
        out.printf("peers: %d rounds; %d execs in the storm, %d connects, %d dd blocks of 500 B%n", smoke ? 1 : rounds, execs, connects, blocks);
        int n = smoke ? 1 : Math.max(1, rounds);
        for (int round = 0; round < n; round++) {
            for (int k = 0; k < peers.size(); k++) {
                Peer peer = peers.get((k + round) % peers.size());
                if (skipped.contains(peer.name())) {
                    continue;
                }
                try (TempDir tmp = TempDir.create("vigil-bench-peer")) {
                    Running tool = peer.start(tmp.path(), out);
                    if (tool == null) {
                        skipped.add(peer.name());
                        continue;
                    }
                    try (tool) {
                        for (Workload w : workloads) {
                            Map<String, Long> threads0 = tool.cpuByThread();
                            long cpu0 = tool.cpuNs(), t0 = System.nanoTime();
                            Process p = new ProcessBuilder(w.command()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                            if (p.waitFor() != 0) {
                                throw new IOException(w.name() + " failed under " + peer.name());
                            }
                            long wall = System.nanoTime() - t0;
                            long cpu = tool.cpuNs() - cpu0;
                            Map<String, Long> threads1 = tool.cpuByThread();
                            if (!threads1.isEmpty()) { // in ns from each thread's schedstat (ThreadCpu), not the process's 10 ms ticks
                                Map<String, Long> split = new LinkedHashMap<>(); // by role: the threads that lived through the workload
                                long byThreads = 0;
                                for (var thread : threads1.entrySet()) {
                                    Long before = threads0.get(thread.getKey());
                                    split.merge(thread.getKey().substring(0, thread.getKey().indexOf(' ')), before != null ? thread.getValue() - before : 0L, Long::sum);
                                    byThreads += thread.getValue() - (before != null ? before : 0L);
                                }
                                cpu = byThreads;
                                if (peer.name().equals("vigil")) {
                                    threads.computeIfAbsent(w.name(), x -> new ArrayList<>()).add(split);
                                }
                            }
                            results.computeIfAbsent(peer.name(), x -> new LinkedHashMap<>()).computeIfAbsent(w.name(), x -> new ArrayList<>())
                                    .add(new long[] {wall, cpu, round});
                        }
                    }
                }
            }
        }
        print(out, workloads, results, execs);
        printThreads(out, threads);
    }

    /** Where Vigil's CPU went in each workload: per thread role, the median over rounds. */
    private static void printThreads(PrintStream out, Map<String, List<Map<String, Long>>> threads) {
        if (threads.isEmpty()) {
            return;
        }
        List<String> lines = new ArrayList<>();
        threads.forEach((workload, rounds) -> {
            List<String> roles = new ArrayList<>();
            for (String role : List.of("sensor", "store", "integrity", "compilers", "jvm", "other")) {
                long[] v = rounds.stream().mapToLong(r -> r.getOrDefault(role, 0L)).sorted().toArray();
                roles.add(String.format("%s %d", role, v[v.length / 2] / 1_000_000));
            }
            lines.add(workload + ": " + String.join(", ", roles));
        });
        out.println("peers: vigil's CPU by thread (those that lived through the workload), ms, median over rounds: " + String.join("; ", lines));
    }

    private static void print(PrintStream out, List<Workload> workloads, Map<String, Map<String, List<long[]>>> results, int execs) {
        List<String> names = new ArrayList<>(results.keySet());
        out.printf("peers: %-13s", "workload");
        for (String p : names) {
            out.printf(" %20s", p);
        }
        out.println();
        for (Workload w : workloads) {
            out.printf("peers: %-13s", w.name());
            for (String p : names) {
                if (p.equals("nothing")) {
                    out.printf(" %17d ms", median(results.get(p).get(w.name()), WALL) / 1_000_000);
                } else {
                    out.printf(" %5.2f× %6d ms cpu", paired(results, p, "nothing", w.name()).ratio(), median(results.get(p).get(w.name()), CPU) / 1_000_000);
                }
            }
            out.println();
        }
        out.println("peers: the ratio is the geometric mean, over rounds, of the workload's time under the tool against its time with nothing"
                + " in the same round; nothing's column is its median time; cpu is the tool's own, median per run");
        List<String> intervals = new ArrayList<>();
        for (Workload w : workloads) {
            intervals.add(w.name() + ": " + String.join(", ", names.stream().filter(p -> !p.equals("nothing"))
                    .map(p -> p + " " + paired(results, p, "nothing", w.name())).toList()));
        }
        out.println("peers: with their 95 % intervals: " + String.join("; ", intervals));
        List<String> spreads = new ArrayList<>();
        for (Workload w : workloads) {
            long[] alone = results.get("nothing").get(w.name()).stream().mapToLong(r -> r[WALL]).sorted().toArray();
            spreads.add(String.format("%s %.2f×", w.name(), alone[alone.length - 1] / (double) alone[0]));
        }
        out.println("peers: nothing, its slowest round against its fastest (how far this machine moves a time by itself): " + String.join(", ", spreads));
        List<String> others = names.stream().filter(p -> p.equals("auditd") || p.equals("execsnoop")).toList();
        if (results.containsKey("vigil") && !others.isEmpty()) {
            List<String> verdicts = new ArrayList<>();
            for (Workload w : workloads) {
                List<PairedRatio> against = others.stream().map(p -> paired(results, "vigil", p, w.name())).toList();
                String standing = against.stream().anyMatch(r -> r.against(1.0) == PairedRatio.Standing.ABOVE) ? "above"
                        : against.stream().allMatch(r -> r.against(1.0) == PairedRatio.Standing.BELOW) ? "below" : "level";
                List<String> each = new ArrayList<>();
                for (int i = 0; i < others.size(); i++) {
                    each.add(others.get(i) + " " + against.get(i));
                }
                verdicts.add(w.name() + " " + standing + " (" + String.join(", ", each) + ")");
            }
            out.println("peers: vigil's time against " + String.join(" and ", others) + "'s in the same round (target: at or below both on every workload;"
                    + " level: an interval holds 1): " + String.join("; ", verdicts));
        }
        if (results.containsKey("vigil")) {
            List<String> ratios = new ArrayList<>();
            for (Workload w : workloads) {
                String target = RATIO_TARGETS.get(w.name());
                if (target != null) {
                    PairedRatio r = paired(results, "vigil", "nothing", w.name());
                    String standing = switch (r.against(Double.parseDouble(target))) {
                        case BELOW -> "met";
                        case UNDECIDED -> "undecided";
                        case ABOVE -> "not met";
                    };
                    ratios.add(String.format("%s %s ≤ %s: %s", w.name(), r, target, standing));
                }
            }
            out.println("peers: vigil against its own targets: " + String.join(", ", ratios));
        }
        out.println(LOSSES.isEmpty() ? "peers: vigil lost and held back nothing in any round" : "peers: losses: " + String.join("; ", LOSSES));
        LOSSES.clear();
        if (results.containsKey("vigil")) {
            long storm = median(results.get("vigil").get("exec storm"), CPU);
            out.printf("peers: vigil's own CPU per exec in the storm (the first execs after the cold build): %.0f µs (target ≤ 15)%n",
                    storm / 1e3 / execs);
        }
    }

    /** The workload's time under `tool` against its time under `reference`, round by round. */
    private static PairedRatio paired(Map<String, Map<String, List<long[]>>> results, String tool, String reference, String workload) {
        return PairedRatio.of(results.get(tool).get(workload), results.get(reference).get(workload), WALL, ROUND);
    }

    private static long median(List<long[]> rows, int column) {
        long[] v = rows.stream().mapToLong(r -> r[column]).sorted().toArray();
        return v[v.length / 2];
    }

    /** utime + stime of a process from /proc, in ns; 0 once it is gone. */
    static long cpuNs(long pid) {
        return cpuNs(Path.of("/proc/" + pid + "/stat"));
    }

    /** utime + stime from a stat file of /proc (a process's, or a thread's under task/), in ns; 0 once it is gone. */
    static long cpuNs(Path statFile) {
        try {
            String stat = Files.readString(statFile);
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L; // USER_HZ is 100 on Linux
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }

    /** The pid of the process named `comm`, or -1. */
    static long pidOf(String comm) {
        return ProcessHandle.allProcesses().filter(p -> {
            try {
                return Files.readString(Path.of("/proc/" + p.pid() + "/comm")).strip().equals(comm);
            } catch (IOException gone) {
                return false;
            }
        }).mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
    }

    /**
     * An agent's CPU so far (ns) per living thread, keyed by what it does and its id ("store 1234"):
     * the agent's own threads by name, the JIT's compilers, the JVM's (the VM thread, the
     * collector's), the rest.
     */
    static Map<String, Long> agentThreads(long pid) {
        Map<String, Long> byThread = new LinkedHashMap<>();
        for (ThreadCpu t : ThreadCpu.of(pid)) {
            String n = t.name();
            String role = n.startsWith("vigil-sensor") ? "sensor" : n.startsWith("vigil-store") ? "store"
                    : n.startsWith("vigil-integrity") ? "integrity" : n.contains("CompilerThre") ? "compilers"
                    : n.equals("VM Thread") || n.startsWith("GC ") || n.startsWith("VM Periodic") ? "jvm" : "other";
            byThread.put(role + " " + t.tid(), t.ns());
        }
        return byThread;
    }

    static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + ": " + text.strip());
        }
        return text;
    }

    static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
        }
    }

    private record Nothing() implements Peer {
        public String name() {
            return "nothing";
        }

        public Running start(Path tmp, PrintStream why) {
            return new Running() {
                public long cpuNs() {
                    return 0;
                }

                public void close() {
                }
            };
        }
    }

    /**
     * auditd from Debian's package, logging into the bench's own directory, with a rule per syscall
     * family of Elkeid's default hooks (DNS aside: audit sees no packets). It is only started on a
     * host where it is not running and no audit rules are loaded; afterwards the rules are deleted,
     * auditing is set back to what it was and the daemon stopped.
     */
    private record Auditd() implements Peer {
        static final List<String> RULES = List.of(
                "-S execve,execveat", "-S connect", "-S bind", "-S chmod,fchmod,fchmodat", "-S rename,renameat,renameat2",
                "-S link,linkat,symlink,symlinkat", "-S ptrace", "-S setsid", "-S prctl", "-S mount", "-S memfd_create",
                "-S init_module,finit_module", "-S setuid,setreuid,setresuid,setfsuid", "-S creat",
                "-S open -F a1&0100", "-S openat -F a2&0100");

        public String name() {
            return "auditd";
        }

        public Running start(Path tmp, PrintStream why) throws Exception {
            if (!Files.isExecutable(Path.of("/usr/sbin/auditd"))) {
                why.println("peers: auditd is not installed (apt-get install auditd): left out");
                return null;
            }
            if (pidOf("auditd") > 0 || !run(List.of("auditctl", "-l")).strip().equals("No rules")) {
                why.println("peers: auditd already runs here or audit rules are loaded: left out, to leave the host's audit as it is");
                return null;
            }
            String enabled = run(List.of("auditctl", "-s")).lines().filter(l -> l.startsWith("enabled ")).findFirst().orElse("enabled 0").substring(8).strip();
            String conf = Files.readString(Path.of("/etc/audit/auditd.conf")).replaceAll("(?m)^log_file\\s*=.*$", "log_file = " + tmp.resolve("audit.log"));
            Files.writeString(tmp.resolve("auditd.conf"), conf);
            Process daemon = new ProcessBuilder("/usr/sbin/auditd", "-n", "-c", tmp.toString()).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("auditd.out").toFile()).start();
            try {
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (!run(List.of("auditctl", "-s")).contains("pid " + daemon.pid())) {
                    if (!daemon.isAlive() || System.nanoTime() > deadline) {
                        throw new IOException("auditd did not start: " + Files.readString(tmp.resolve("auditd.out")).strip());
                    }
                    Thread.sleep(50);
                }
                for (String rule : RULES) {
                    List<String> cmd = new ArrayList<>(List.of("auditctl", "-a", "always,exit", "-F", "arch=b64"));
                    cmd.addAll(List.of(rule.split(" ")));
                    cmd.addAll(List.of("-k", "vigil-bench"));
                    run(cmd);
                }
                run(List.of("auditctl", "-e", "1"));
            } catch (Exception e) {
                restore(daemon, enabled);
                throw e;
            }
            long kauditd = pidOf("kauditd");
            return new Running() {
                public long cpuNs() {
                    return PeerBench.cpuNs(daemon.pid()) + (kauditd > 0 ? PeerBench.cpuNs(kauditd) : 0);
                }

                public void close() throws Exception {
                    restore(daemon, enabled);
                }
            };
        }

        private static void restore(Process daemon, String enabled) throws Exception {
            try {
                run(List.of("auditctl", "-e", enabled));
                run(List.of("auditctl", "-D"));
            } finally {
                stop(daemon);
            }
        }
    }

    /** libbpf-tools' execsnoop, printing every exec into a file a line at a time, as it does on a terminal. */
    private record Execsnoop() implements Peer {
        public String name() {
            return "execsnoop";
        }

        public Running start(Path tmp, PrintStream why) throws Exception {
            Path exe = Path.of("/usr/sbin/execsnoop");
            if (!Files.isExecutable(exe)) {
                why.println("peers: execsnoop is not installed (apt-get install libbpf-tools): left out");
                return null;
            }
            Path log = tmp.resolve("execsnoop.out");
            Process p = new ProcessBuilder("stdbuf", "-oL", exe.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!Files.readString(log).contains("PCOMM")) { // the header comes once its programs are attached
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    stop(p);
                    throw new IOException("execsnoop did not start: " + Files.readString(log).strip());
                }
                Thread.sleep(20);
            }
            return new Running() {
                public long cpuNs() {
                    return PeerBench.cpuNs(p.pid());
                }

                public void close() throws Exception {
                    stop(p);
                }
            };
        }
    }

    /** `vigil run` with the launcher's JVM options (plus `extra`), its store in the round's directory and its console on a free port. */
    private record Vigil(String name, List<String> extra) implements Peer {
        public Running start(Path tmp, PrintStream why) throws Exception {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            cmd.addAll(AgentBench.jvmOptions());
            cmd.addAll(extra);
            // the JVM RASP's cost is RaspBench's: here the agent's own, the RASP left out
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.vigil.cli.Main", "run", "--rasp=off", "--data", tmp.resolve("data").toString(),
                    "--listen", "127.0.0.1:0"));
            ProcessBuilder launch = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            launch.environment().putIfAbsent("MALLOC_ARENA_MAX", "2"); // as the launcher sets it
            Process agent = launch.start();
            BufferedReader err = new BufferedReader(new InputStreamReader(agent.getErrorStream(), StandardCharsets.UTF_8));
            String line;
            StringBuilder said = new StringBuilder();
            while ((line = err.readLine()) != null && !line.equals("ready")) {
                said.append(line).append('\n');
            }
            if (line == null) {
                stop(agent);
                throw new IOException("vigil run did not start: " + said.toString().strip());
            }
            java.util.concurrent.atomic.AtomicReference<String> summary = new java.util.concurrent.atomic.AtomicReference<>("");
            Thread drain = Thread.ofPlatform().daemon().start(() -> {
                try {
                    for (String l; (l = err.readLine()) != null; ) {
                        if (l.startsWith("vigil: ") && l.contains("; lost ")) {
                            summary.set(l);
                        } else if (l.startsWith("vigil: store ") && l.contains(" rows written, ")) {
                            LOSSES.add(name + ": " + l.substring("vigil: ".length()));
                        }
                    }
                } catch (IOException ended) {
                    // the agent stopped
                }
            });
            return new Running() {
                public long cpuNs() {
                    return PeerBench.cpuNs(agent.pid());
                }

                public Map<String, Long> cpuByThread() {
                    return agentThreads(agent.pid());
                }

                public void close() throws Exception {
                    agent.toHandle().destroy(); // SIGTERM, leaving its stderr open for the summary (Process.destroy closes it)
                    if (!agent.waitFor(20, TimeUnit.SECONDS)) {
                        stop(agent);
                    }
                    drain.join(10_000);
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("; lost (\\d+) .*; suppressed (\\d+)").matcher(summary.get());
                    if (!m.find()) {
                        LOSSES.add(name + ": no summary line at exit");
                    } else if (!m.group(1).equals("0") || !m.group(2).equals("0")) {
                        LOSSES.add(name + ": " + summary.get().substring("vigil: ".length()));
                    }
                }
            };
        }
    }
}
