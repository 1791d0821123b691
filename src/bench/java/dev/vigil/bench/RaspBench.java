package dev.vigil.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.agent.RaspIntake;
import dev.vigil.cli.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the JVM RASP costs a web application: one request loop (a file read and a loopback connect
 * per request, a process start every 100) against a JVM of its own, with no agent, with `vigil run`
 * and the RASP off (the kernel's share), and with the RASP attached, in one invocation; and the
 * cost of a hooked call that reports nothing (an ordinary file's open), against the targets.
 */
final class RaspBench {
    private RaspBench() {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    record Result(double perSecond, double p99Ms, long nsPerOpen) {}

    static void run(PrintStream out, int rounds, boolean smoke) throws Exception {
        int requests = smoke ? 2_000 : 20_000;
        List<Result> none = new ArrayList<>(), kernel = new ArrayList<>(), rasp = new ArrayList<>();
        try (TempDir tmp = TempDir.create("vigil-bench-rasp")) {
            // each round takes the settings in another order: what drifts over a run (measured: the last setting
            // of a round lost 10% whatever it was) falls on each setting alike
            String[] settings = {"none", "off", "on"};
            for (int r = 0; r < (smoke ? 1 : rounds); r++) {
                for (int i = 0; i < settings.length; i++) {
                    String s = settings[(i + r) % settings.length];
                    Result res = measure(tmp.path(), s.equals("none") ? null : s, requests);
                    (s.equals("none") ? none : s.equals("off") ? kernel : rasp).add(res);
                }
            }
        }
        Result n = median(none), k = median(kernel), a = median(rasp);
        out.printf("JVM RASP, %,d requests to a JVM web application (a file read and a loopback connect each, a process start every 100), median of %d:%n",
                requests, none.size());
        out.printf("  %-34s %12s %10s %14s%n", "", "requests/s", "p99 ms", "ns per open");
        out.printf("  %-34s %12.0f %10.3f %14d%n", "no agent", n.perSecond(), n.p99Ms(), n.nsPerOpen());
        out.printf("  %-34s %12.0f %10.3f %14d%n", "vigil run, RASP off (kernel only)", k.perSecond(), k.p99Ms(), k.nsPerOpen());
        out.printf("  %-34s %12.0f %10.3f %14d%n", "vigil run, RASP attached", a.perSecond(), a.p99Ms(), a.nsPerOpen());
        out.printf("  RASP attached vs RASP off: throughput %.3f (target >= 0.97), p99 %.2fx (target <= 1.05), a hooked call that reports nothing %+d ns (target <= 1000)%n",
                a.perSecond() / k.perSecond(), a.p99Ms() / k.p99Ms(), a.nsPerOpen() - k.nsPerOpen());
        out.printf("  RASP attached vs no agent:  throughput %.3f, p99 %.2fx%n", a.perSecond() / n.perSecond(), a.p99Ms() / n.p99Ms());
    }

    /** One setting: the application started afresh, `vigil run --rasp=rasp` beside it unless null, the loop after a warm-up. */
    private static Result measure(Path tmp, String rasp, int requests) throws Exception {
        Process app = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), RaspBenchApp.class.getName(), tmp.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Process agent = null;
        try {
            String ready = new BufferedReader(new InputStreamReader(app.getInputStream(), StandardCharsets.UTF_8)).readLine();
            if (ready == null || !ready.startsWith("ready ")) {
                throw new IllegalStateException("the bench's application did not start");
            }
            String base = "http://127.0.0.1:" + ready.substring(6);
            if (rasp != null) {
                List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
                cmd.addAll(AgentBench.jvmOptions());
                cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.vigil.cli.Main", "run", "--no-store", "--no-console",
                        "--rasp=" + rasp, "--rasp-exclude", "*surefire*", "--alerts", tmp.resolve("alerts.jsonl").toString()));
                agent = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                BufferedReader err = new BufferedReader(new InputStreamReader(agent.getErrorStream(), StandardCharsets.UTF_8));
                for (String line; (line = err.readLine()) != null && !line.equals("ready"); ) {
                    // the rules' report first
                }
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        err.transferTo(java.io.Writer.nullWriter());
                    } catch (java.io.IOException stopped) {
                        // the agent ended
                    }
                });
                if (rasp.equals("on")) {
                    awaitAttached(app.pid());
                }
            }
            loop(base, requests / 4, null); // warm-up: the JIT, and the RASP's first events
            long[] latencies = new long[requests];
            long t0 = System.nanoTime();
            loop(base, requests, latencies);
            double seconds = (System.nanoTime() - t0) / 1e9;
            Arrays.sort(latencies);
            long ns = Long.parseLong(get(base + "/opens?n=200000"));
            return new Result(requests / seconds, latencies[(int) (requests * 0.99)] / 1e6, ns);
        } finally {
            if (agent != null) {
                agent.destroy();
                agent.waitFor(30, TimeUnit.SECONDS);
            }
            app.destroy();
            app.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void loop(String base, int n, long[] latencies) throws Exception {
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            get(base + "/page");
            if (latencies != null) {
                latencies[i] = System.nanoTime() - t;
            }
        }
    }

    private static String get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static void awaitAttached(long pid) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < until) {
            try {
                for (JsonNode j : JSON.readTree(Files.readString(RaspIntake.STATE)).path("jvms")) {
                    if (j.path("pid").asLong() == pid && j.path("connected").asBoolean()) {
                        return;
                    }
                }
            } catch (java.io.IOException notYet) {
                // written as the agent starts
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the RASP did not attach to the bench's application within 60 s");
    }

    private static Result median(List<Result> rs) {
        List<Result> byRate = new ArrayList<>(rs);
        byRate.sort((x, y) -> Double.compare(x.perSecond(), y.perSecond()));
        List<Result> byP99 = new ArrayList<>(rs);
        byP99.sort((x, y) -> Double.compare(x.p99Ms(), y.p99Ms()));
        List<Result> byOpen = new ArrayList<>(rs);
        byOpen.sort((x, y) -> Long.compare(x.nsPerOpen(), y.nsPerOpen()));
        int m = rs.size() / 2;
        return new Result(byRate.get(m).perSecond(), byP99.get(m).p99Ms(), byOpen.get(m).nsPerOpen());
    }
}
