package dev.vigil.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.agent.RulePaths;
import dev.vigil.agent.SensorSession;
import dev.vigil.cli.TempDir;
import dev.vigil.fleet.EventPublisher;
import dev.vigil.fleet.LocalBroker;
import dev.vigil.sensor.HookSelection;
import dev.vigil.sensor.SensorOptions;
import dev.vigil.sink.EventJson;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Fleet mode's figures on a local broker. The sample is real when the bench may run the sensor:
 * the events of the bench's own workloads as `vigil agent` would publish them. On it: the wire
 * formats compared ({@link WireFormats}), the bytes the broker stores per event with each producer
 * compression, and the events per second `vigil server` takes from Kafka through the rules into its
 * store, with one server and with two sharing the partitions, with the CPU time each used.
 */
public final class FleetBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int HOSTS = 8;
    /** Producer compression and batch size, as the bench compares them at the broker. */
    private static final String[][] PRODUCER_SETTINGS = {{"lz4", "262144"}, {"zstd", "262144"}, {"zstd", "1048576"}};

    private FleetBench() {}

    /** `workloads`: commands whose events make the sample (run under the sensor); `synthetic`: the sample when the sensor cannot run. */
    static void run(PrintStream out, List<List<String>> workloads, List<Map<String, Object>> synthetic, int events) throws Exception {
        List<byte[]> sample = recorded(workloads);
        String what = "events of the bench's workloads, recorded by the sensor";
        if (sample.size() < 100) {
            sample = new ArrayList<>();
            for (Map<String, Object> e : synthetic) {
                sample.add(JSON.writeValueAsBytes(e));
            }
            what = "synthetic events (the sensor could not run: not root?)";
        }
        out.printf("fleet: sample: %,d %s%n", sample.size(), what);
        WireFormats.compare(out, sample);
        try (TempDir work = TempDir.create("vigil-bench-fleet")) {
            int port = LocalBroker.freePortPair();
            try (LocalBroker broker = LocalBroker.start(work.path().resolve("broker"), port)) {
                List<byte[]> records = distinct(sample, events);
                long raw = records.stream().mapToLong(r -> r.length).sum();
                out.printf("fleet: on the wire, JSON lines: %.0f bytes per event; %,d events from %d hosts%n", (double) raw / records.size(), records.size(), HOSTS);
                Path logs = work.path().resolve("broker/logs");
                List<byte[]> part = records.subList(0, Math.min(records.size(), 50_000));
                for (String[] setting : PRODUCER_SETTINGS) {
                    String topic = "bench." + setting[0] + "." + setting[1];
                    long failed = publish(broker.bootstrap(), topic, part, Map.of("compression.type", setting[0], "batch.size", setting[1]));
                    out.printf("fleet:   stored by the broker with %s, batches up to %,d bytes: %.0f bytes per event%s%n", setting[0],
                            Integer.parseInt(setting[1]), (double) stored(logs, topic) / part.size(), failed > 0 ? " (" + failed + " failed)" : "");
                }
                long failed = publish(broker.bootstrap(), "vigil.events", records, Map.of()); // the agent's own settings
                out.printf("fleet:   with the agent's settings (%s): %.0f bytes per event%s%n", EventPublisher.COMPRESSION,
                        (double) stored(logs, "vigil.events") / records.size(), failed > 0 ? " (" + failed + " failed)" : "");
                for (int servers = 1; servers <= 2; servers++) {
                    Rate r = serverRate(broker.bootstrap(), work.path(), servers, records.size());
                    out.printf("fleet: %d server%s: %,.0f events/s from Kafka through the rules into the store; %,.0f events per CPU-second of the server%s"
                            + " (target ≥ 100,000)%n",
                            servers, servers == 1 ? "" : "s", r.perSecond(), r.perCpuSecond(), servers == 1 ? "" : "s");
                    StringBuilder split = new StringBuilder();
                    r.secondHalf().forEach((role, cpu) -> split.append(split.isEmpty() ? "" : ", ").append(role)
                            .append(String.format(" %.1f", cpu * 1e6 / (records.size() - records.size() / 2))));
                    out.printf("fleet:   the first half of the events %,.0f per CPU-second, the second %,.0f (the JIT compiles in the first);"
                            + " µs per event in the second: %s%n", r.firstHalfPerCpuSecond(), r.secondHalfPerCpuSecond(), split);
                }
            }
        }
    }

    /** The JSON lines `vigil agent` publishes for the events of `workloads` (default hooks); empty when the sensor cannot run here. */
    private static List<byte[]> recorded(List<List<String>> workloads) {
        List<byte[]> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        EventJson json = new EventJson();
        SensorSession session;
        try {
            session = new SensorSession(SensorOptions.of(HookSelection.parse("default")), e -> {
                if (lines.size() < 50_000) {
                    lines.add(json.write(e).toString().getBytes(StandardCharsets.UTF_8));
                }
            }, () -> {});
        } catch (RuntimeException | Error cannot) {
            return List.of();
        }
        session.stream().startAsync();
        try {
            for (List<String> w : workloads) {
                Process p = new ProcessBuilder(w).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                p.waitFor(120, TimeUnit.SECONDS);
            }
            Thread.sleep(500);
        } catch (java.io.IOException | InterruptedException e) {
            // what was recorded so far will do
        } finally {
            session.stream().close();
            try {
                session.stream().awaitTermination();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }
        return new ArrayList<>(lines);
    }

    /**
     * `count` records cycled from `sample`, each with a timestamp of its own (so none is a
     * redelivery of another) and each round's processes new ones, rendered when read: 200,000
     * exec events with their environments are half a gigabyte, more than the agent's heap, which
     * the bench runs with (the full run died here with an OutOfMemoryError before). Reading record
     * i twice gives the same bytes.
     */
    private static List<byte[]> distinct(List<byte[]> sample, int count) throws java.io.IOException {
        List<Map<String, Object>> parsed = new ArrayList<>();
        for (byte[] s : sample) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = JSON.readValue(s, Map.class);
            parsed.add(m);
        }
        long ts = System.currentTimeMillis() * 1_000_000L;
        return new java.util.AbstractList<>() {
            @Override
            public byte[] get(int i) {
                Map<String, Object> e = new java.util.LinkedHashMap<>(parsed.get(i % parsed.size()));
                e.put("ts", ts + i);
                newProcesses(e, i / parsed.size());
                try {
                    return JSON.writeValueAsBytes(e);
                } catch (com.fasterxml.jackson.core.JsonProcessingException unwritable) {
                    throw new IllegalStateException(unwritable);
                }
            }

            @Override
            public int size() {
                return count;
            }
        };
    }

    /** How far each round of the sample moves its processes' start times: past any start in a recording of a few minutes. */
    private static final long ROUND_NS = 1_000_000_000_000L;

    /**
     * The processes of round `round` of the sample made new ones, their start times moved on: a
     * host names a process (host:start:pid) for its own events only, newer processes sorting
     * later. Replayed with the same names, every round's rows went back into the middle of the
     * store's index of them, and that index's writes cost the server's store twice what a real
     * host's do (docs/benchmarks.md, the fleet server).
     */
    @SuppressWarnings("unchecked")
    private static void newProcesses(Map<String, Object> e, int round) {
        if (round == 0) {
            return;
        }
        long shift = round * ROUND_NS;
        for (String key : List.of("start_time", "target_start")) {
            if (e.get(key) instanceof Number n && n.longValue() > 0) {
                e.put(key, n.longValue() + shift);
            }
        }
        for (String key : List.of("exec_id", "parent_exec_id")) {
            if (e.get(key) instanceof String id) {
                String[] part = id.split(":");
                if (part.length == 3 && part[1].matches("\\d{1,18}")) {
                    e.put(key, part[0] + ":" + (Long.parseLong(part[1]) + shift) + ":" + part[2]);
                }
            }
        }
        if (e.get("ancestors") instanceof List<?> chain) {
            List<Object> moved = new ArrayList<>();
            for (Object o : chain) {
                if (o instanceof Map<?, ?> m && m.get("start") instanceof Number n) {
                    Map<String, Object> copy = new java.util.LinkedHashMap<>((Map<String, Object>) m);
                    copy.put("start", n.longValue() + shift);
                    moved.add(copy);
                } else {
                    moved.add(o);
                }
            }
            e.put("ancestors", moved);
        }
    }

    /** Publishes `records` to `topic` round-robin under {@link #HOSTS} host ids, with `settings` over the agent's; the records that failed. */
    private static long publish(String bootstrap, String topic, List<byte[]> records, Map<String, String> settings) {
        List<EventPublisher> hosts = new ArrayList<>();
        for (int h = 0; h < HOSTS; h++) {
            hosts.add(new EventPublisher(bootstrap, "bench-host-" + h, settings));
        }
        hosts.getFirst().awaitTopics(List.of(topic), java.time.Duration.ofSeconds(30));
        for (int i = 0; i < records.size(); i++) {
            hosts.get(i % HOSTS).publish(topic, records.get(i));
        }
        long failed = 0;
        for (EventPublisher p : hosts) {
            p.close();
            failed += p.failed();
        }
        return failed;
    }

    private static long stored(Path logs, String topic) throws java.io.IOException {
        try (Stream<Path> files = Files.walk(logs)) {
            return files.filter(f -> f.getParent().getFileName().toString().startsWith(topic + "-") && f.toString().endsWith(".log"))
                    .mapToLong(f -> f.toFile().length()).sum();
        }
    }

    /** Over all the events, over each half of them, and the second half's CPU seconds by what the threads do. */
    private record Rate(double perSecond, double perCpuSecond, double firstHalfPerCpuSecond, double secondHalfPerCpuSecond, Map<String, Double> secondHalf) {}

    /**
     * `count` servers in a fresh group read the whole events topic. Timed from the moment all are
     * ready (rules loaded, console off) until the group has committed every record; the CPU time
     * the servers used in that span, from their own accounting.
     */
    private static Rate serverRate(String bootstrap, Path work, int count, int events) throws Exception {
        String group = "bench-" + count + "-" + System.nanoTime();
        List<Process> servers = new ArrayList<>();
        java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(count);
        for (int i = 0; i < count; i++) {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            cmd.addAll(serverJvmOptions());
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.vigil.cli.Main", "server",
                    "--kafka", bootstrap, "--group", group, "--no-console", "--fold", "0", "--data", work.resolve(group + "-" + i).toString()));
            Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            servers.add(p);
            Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = err.readLine()) != null; ) {
                        if (l.equals("ready")) {
                            ready.countDown();
                        }
                    }
                } catch (java.io.IOException ended) {
                    // the server stopped
                }
            });
        }
        try {
            ready.await(120, TimeUnit.SECONDS);
            Map<String, Double> atReady = cpuByRole(servers), atHalf = null;
            long start = System.nanoTime(), end = start;
            Map<String, Object> admin = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            try (Admin a = Admin.create(admin)) {
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                for (var p : a.describeTopics(List.of("vigil.events")).allTopicNames().get().get("vigil.events").partitions()) {
                    latest.put(new TopicPartition("vigil.events", p.partition()), OffsetSpec.latest());
                }
                long total = 0;
                for (var o : a.listOffsets(latest).all().get().values()) {
                    total += o.offset();
                }
                while (System.nanoTime() - start < TimeUnit.MINUTES.toNanos(5)) {
                    for (Process p : servers) {
                        if (!p.isAlive()) {
                            throw new IllegalStateException("a server stopped (exit " + p.exitValue() + ") before taking every event");
                        }
                    }
                    long done = 0;
                    for (var en : a.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().entrySet()) {
                        if (en.getKey().topic().equals("vigil.events") && en.getValue() != null) {
                            done += en.getValue().offset();
                        }
                    }
                    end = System.nanoTime();
                    if (atHalf == null && done >= total / 2) {
                        atHalf = cpuByRole(servers);
                    }
                    if (done >= total) {
                        break;
                    }
                    Thread.sleep(100);
                }
            }
            Map<String, Double> atEnd = cpuByRole(servers), secondHalf = new java.util.LinkedHashMap<>();
            Map<String, Double> half = atHalf != null ? atHalf : atEnd;
            atEnd.forEach((role, cpu) -> secondHalf.put(role, cpu - half.getOrDefault(role, 0.0)));
            double first = sum(half) - sum(atReady), second = sum(atEnd) - sum(half);
            return new Rate(events / ((end - start) / 1e9), events / (first + second), (events / 2) / first, (events - events / 2) / second, secondHalf);
        } finally {
            for (Process p : servers) {
                p.destroy();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    /** The JVM options `./vigil server` runs with (server.jvm.options beside the installation), so that the figures are a real server's. */
    private static List<String> serverJvmOptions() throws java.io.IOException {
        String home = System.getProperty("vigil.home");
        Path file = (home != null ? Path.of(home) : RulePaths.stockPack().toAbsolutePath().getParent()).resolve("server.jvm.options");
        if (!Files.isRegularFile(file)) {
            return List.of("--enable-native-access=ALL-UNNAMED");
        }
        return Files.readAllLines(file).stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    private static double sum(Map<String, Double> cpu) {
        return cpu.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /**
     * The servers' user and system time so far (seconds, from each thread's /proc stat), by what
     * the threads do: the store's writer, the consumer (the main thread: Kafka,
     * JSON, rules), the collector, the JIT's compilers, the rest.
     */
    private static Map<String, Double> cpuByRole(List<Process> servers) {
        Map<String, Double> byRole = new java.util.LinkedHashMap<>();
        for (String role : List.of("store", "consumer", "collector", "compilers", "other")) {
            byRole.put(role, 0.0);
        }
        for (Process p : servers) {
            for (ThreadCpu t : ThreadCpu.of(p.pid())) {
                String n = t.name();
                String role = n.startsWith("vigil-store") ? "store" : n.equals("java") ? "consumer"
                        : n.startsWith("GC Thread") || n.startsWith("G1 ") || n.equals("VM Thread") ? "collector"
                        : n.contains("CompilerThre") ? "compilers" : "other";
                byRole.merge(role, t.ns() / 1e9, Double::sum);
            }
        }
        return byRole;
    }
}
