package dev.vigil.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.agent.RunningAgent;
import dev.vigil.cli.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * `vigil run` measured from outside, as a deployer starts it (store and console on; the default
 * hooks and the open hook, whose events the generator makes at a measured rate): time from start
 * to "ready", RSS idle, at its peak under 100,000 events/s and under an exec workload, and the
 * latency of alerts from the kernel's timestamp of the event to the moment the alert's line is
 * read from the agent's output, measured first, on an agent not busy with anything else.
 */
final class AgentBench {
    static final int ALERTS = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    private AgentBench() {}

    /** The event rate the agent's memory is measured under. */
    static final int LOAD_RATE = 100_000;

    static void run(PrintStream out, List<String> workload, BenchPrograms programs, boolean smoke) throws Exception {
        try (TempDir data = TempDir.create("vigil-bench-agent")) {
            run(out, workload, programs, data.path(), smoke ? ALERTS / 10 : ALERTS);
        }
    }

    private static void run(PrintStream out, List<String> workload, BenchPrograms programs, Path data, int alerts) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmOptions());
        // the JVM RASP's cost is RaspBench's: here the agent's own, the RASP left out
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.vigil.cli.Main", "run", "--rasp=off", "--data", data.toString(),
                "--listen", "127.0.0.1:0", "--fold", "0", "--hooks", "default,open"));
        long t0 = System.nanoTime();
        ProcessBuilder launch = new ProcessBuilder(cmd);
        launch.environment().putIfAbsent("MALLOC_ARENA_MAX", "2"); // as the launcher sets it
        Process agent = launch.start();
        try {
            BufferedReader err = new BufferedReader(new InputStreamReader(agent.getErrorStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = err.readLine()) != null && !line.equals("ready")) {
                // the console's address and the rules' report come first
            }
            if (line == null) {
                out.println("agent: did not start");
                return;
            }
            long startMs = (System.nanoTime() - t0) / 1_000_000;
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    err.transferTo(java.io.Writer.nullWriter());
                } catch (IOException stopped) {
                    // the agent ended
                }
            });
            List<Long> latencies = new CopyOnWriteArrayList<>();
            Thread.ofPlatform().daemon().start(() -> read(agent, latencies));
            Thread.sleep(10_000); // idle: after the start's integrity pass, which waits for a quiet second and then gives its heap back
            long idle = RunningAgent.rssBytes(agent.pid());
            long idleCpu0 = PeerBench.cpuNs(agent.pid());
            Thread.sleep(10_000); // idle CPU: the once-a-second work and the wakeups of a host with nothing to report
            long idleCpuNs = PeerBench.cpuNs(agent.pid()) - idleCpu0;
            Path stamp = Files.createTempFile(data, "stamp", ".txt");
            for (int i = 0; i < alerts; i++) { // 50 alerts a second: latency, not a queue of alerts behind each other
                new ProcessBuilder("setsid", "touch", "-d", "2001-01-01", stamp.toString()).start().waitFor();
                Thread.sleep(20);
            }
            for (int i = 0; i < 100 && latencies.size() < alerts; i++) {
                Thread.sleep(50);
            }
            long underLoad = peakWhile(agent, new ProcessBuilder(programs.flood(false, LOAD_RATE, 5, Files.createTempDirectory(data, "flood")))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            long peak = peakWhile(agent, new ProcessBuilder(workload).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            out.printf("agent: start to ready %d ms (target ≤ 1000)%n", startMs);
            out.printf("agent: CPU idle %.1f ms per second (10 s, no workload)%n", idleCpuNs / 1e6 / 10);
            out.printf("agent: RSS idle %d MiB (target ≤ 96), at its peak under %,d events/s %d MiB (target ≤ 160),"
                    + " under the exec workload %d MiB%n", idle >> 20, LOAD_RATE, underLoad >> 20, peak >> 20);
            List<Long> l = new ArrayList<>(latencies);
            Collections.sort(l);
            if (l.isEmpty()) {
                out.println("agent: no alert came back for the latency measurement");
            } else {
                out.printf("agent: alert latency, kernel timestamp to the line read: p50 %.1f ms, p99 %.1f ms over %d alerts (target p99 ≤ 50 ms)%n",
                        l.get(l.size() / 2) / 1e6, l.get(Math.min(l.size() - 1, (int) Math.ceil(l.size() * 0.99) - 1)) / 1e6, l.size());
            }
        } finally {
            agent.destroy();
            if (!agent.waitFor(30, TimeUnit.SECONDS)) {
                agent.destroyForcibly();
            }
        }
    }

    /** The agent's highest RSS while `load` runs, sampled every 100 ms. */
    private static long peakWhile(Process agent, Process load) throws Exception {
        long peak = RunningAgent.rssBytes(agent.pid());
        while (!load.waitFor(100, TimeUnit.MILLISECONDS)) {
            peak = Math.max(peak, RunningAgent.rssBytes(agent.pid()));
        }
        return Math.max(peak, RunningAgent.rssBytes(agent.pid()));
    }

    /** Each timestomping alert's delay: now, against the kernel's timestamp of the event it matched. */
    private static void read(Process agent, List<Long> latencies) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l; (l = in.readLine()) != null; ) {
                Instant now = Instant.now();
                JsonNode a = JSON.readTree(l);
                if (a.path("rule").asText().startsWith("Timestamps forged")) {
                    long ts = a.path("events").path(0).path("ts").asLong();
                    latencies.add(now.getEpochSecond() * 1_000_000_000L + now.getNano() - ts);
                }
            }
        } catch (IOException ended) {
            // the agent stopped
        }
    }

    /**
     * The agent's JVM options as the launcher gives them (jvm.options beside it, and with
     * VIGIL_STARTUP_CACHE=1 the start-up cache it recorded for this jar), or the JDK's defaults.
     */
    static List<String> jvmOptions() throws IOException {
        String home = System.getProperty("vigil.home");
        Path file = Path.of(home == null ? "." : home, "jvm.options");
        if (!Files.isReadable(file)) {
            return List.of("--enable-native-access=ALL-UNNAMED");
        }
        List<String> options = new ArrayList<>(Files.readAllLines(file).stream().map(String::strip).filter(s -> !s.isEmpty() && !s.startsWith("#")).toList());
        Path aot = Path.of(home == null ? "." : home, "target", "vigil.aot"), jar = Path.of(System.getProperty("java.class.path"));
        if ("1".equals(System.getenv("VIGIL_STARTUP_CACHE")) && Files.isRegularFile(aot) && Files.size(aot) > 0 && Files.isRegularFile(jar) && Files.getLastModifiedTime(aot).compareTo(Files.getLastModifiedTime(jar)) > 0) {
            options.add("-XX:AOTCache=" + aot);
        }
        return options;
    }
}
