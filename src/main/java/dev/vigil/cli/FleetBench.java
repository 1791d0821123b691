package dev.vigil.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.fleet.EventPublisher;
import dev.vigil.fleet.LocalBroker;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Fleet mode's figures on a local broker: bytes per event on the wire (the JSON line, and as the
 * broker stores it in lz4-compressed batches), and the events per second `vigil server` takes from
 * Kafka through the rules into its store, with one server and with two sharing the partitions.
 */
final class FleetBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int HOSTS = 8;

    private FleetBench() {}

    static void run(PrintStream out, List<Map<String, Object>> sample, int events) throws Exception {
        try (TempDir work = TempDir.create("vigil-bench-fleet")) {
            int port = freePortPair();
            try (LocalBroker broker = LocalBroker.start(work.path().resolve("broker"), port)) {
                long raw = 0;
                List<EventPublisher> hosts = new ArrayList<>();
                for (int h = 0; h < HOSTS; h++) {
                    hosts.add(new EventPublisher(broker.bootstrap(), "bench-host-" + h, Map.of()));
                }
                hosts.getFirst().awaitTopics(List.of("vigil.events"), java.time.Duration.ofSeconds(30));
                for (int i = 0; i < events; i++) {
                    Map<String, Object> e = new java.util.LinkedHashMap<>(sample.get(i % sample.size()));
                    e.put("ts", System.currentTimeMillis() * 1_000_000L + i);
                    e.put("nodename", "bench-host-" + (i % HOSTS));
                    byte[] line = JSON.writeValueAsBytes(e);
                    raw += line.length;
                    hosts.get(i % HOSTS).publish("vigil.events", line);
                }
                long failed = 0;
                for (EventPublisher p : hosts) {
                    p.close();
                    failed += p.failed();
                }
                long stored;
                try (Stream<Path> files = Files.walk(work.path().resolve("broker/logs"))) {
                    stored = files.filter(f -> f.getParent().getFileName().toString().startsWith("vigil.events-") && f.toString().endsWith(".log"))
                            .mapToLong(f -> f.toFile().length()).sum();
                }
                out.printf("fleet: wire format JSON lines: %.0f bytes per event, %.0f as the broker stores them (lz4 batches); %,d events from %d hosts, %d failed%n",
                        (double) raw / events, (double) stored / events, events, HOSTS, failed);
                for (int servers = 1; servers <= 2; servers++) {
                    out.printf("fleet: %d server%s: %,.0f events/s from Kafka through the rules into the store%n", servers, servers == 1 ? "" : "s",
                            serverRate(broker.bootstrap(), work.path(), servers, events));
                }
            }
        }
    }

    /** `count` servers in a fresh group read the whole topic; the rate is the events over the time until the last has them all. */
    private static double serverRate(String bootstrap, Path work, int count, int events) throws Exception {
        String group = "bench-" + count + "-" + System.nanoTime();
        List<Process> servers = new ArrayList<>();
        List<long[]> consumed = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.vigil.cli.Main", "server",
                    "--kafka", bootstrap, "--group", group, "--no-console", "--fold", "0", "--data", work.resolve(group + "-" + i).toString()));
            Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            servers.add(p);
            long[] n = {0};
            consumed.add(n);
            Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = err.readLine()) != null; ) {
                        if (l.matches("vigil: \\d+ events from .*")) {
                            n[0] = Long.parseLong(l.replaceAll("vigil: (\\d+) events.*", "$1"));
                        }
                    }
                } catch (java.io.IOException ended) {
                    // the server stopped
                }
            });
        }
        // each server reports only at exit: stop them once the store rows stop growing
        long last = -1, now;
        while ((now = rows(work, group)) != last || now == 0) {
            last = now;
            Thread.sleep(2000);
            if (System.nanoTime() - start > TimeUnit.MINUTES.toNanos(3)) {
                break;
            }
        }
        long end = System.nanoTime() - TimeUnit.SECONDS.toNanos(2);
        for (Process p : servers) {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        return events / ((end - start) / 1e9);
    }

    /** Bytes the servers' stores hold so far: a proxy of their progress that needs no connection to them. */
    private static long rows(Path work, String group) throws java.io.IOException {
        try (Stream<Path> files = Files.walk(work)) {
            return files.filter(f -> f.toString().contains(group) && f.getFileName().toString().startsWith("vigil.db")).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    /** A free port whose next one is free too (a local broker's controller takes it). */
    static int freePortPair() throws java.io.IOException {
        for (int i = 0; i < 50; i++) {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            try (ServerSocket next = new ServerSocket(port + 1)) {
                return port;
            } catch (java.io.IOException taken) {
                // another
            }
        }
        throw new java.io.IOException("no two free ports in a row");
    }
}
