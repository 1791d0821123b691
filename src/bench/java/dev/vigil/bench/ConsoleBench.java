package dev.vigil.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.cli.TempDir;
import dev.vigil.console.AgentView;
import dev.vigil.console.Console;
import dev.vigil.detect.Alert;
import dev.vigil.detect.Priority;
import dev.vigil.sink.Escape;
import dev.vigil.store.Store;
import dev.vigil.store.StoreWriter;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The console's speed on a large incident: a store holding one incident of {@value #PROCESSES}
 * processes (a shell that started 50 programs, each of which started 9, every one a different
 * program so none fold into a group; files written and peers contacted), its graph timed from the
 * API, then from a page load to the drawn graph in headless Chromium.
 */
final class ConsoleBench {
    static final int PROCESSES = 500, ROUNDS = 5;
    private static final String HOST = "bench";

    private ConsoleBench() {}

    static void run(PrintStream out) throws Exception {
        try (TempDir data = TempDir.create("vigil-bench-console")) {
            measure(out, data.path(), fill(data.path()));
        }
    }

    private static void measure(PrintStream out, Path data, String incident) throws Exception {
        try (Console console = Console.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), data, AgentView.offline("bench"))) {
            String base = "http://127.0.0.1:" + console.address().getPort() + "/";
            HttpClient http = HttpClient.newHttpClient();
            long[] api = new long[ROUNDS];
            int nodes = 0;
            for (int i = 0; i < ROUNDS; i++) {
                long t = System.nanoTime();
                var r = http.send(HttpRequest.newBuilder(URI.create(base + "api/incidents/" + incident + "/graph"))
                        .header("Authorization", "Bearer " + console.token()).build(), HttpResponse.BodyHandlers.ofString());
                api[i] = System.nanoTime() - t;
                nodes = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).get("nodes").size();
            }
            out.printf("console: incident of %d processes, graph of %d nodes: API %d ms (median of %d)%n", PROCESSES, nodes,
                    BenchCommand.median(api) / 1_000_000, ROUNDS);
            try (HeadlessChromium browser = HeadlessChromium.start()) {
                browser.navigate(base);
                await(browser, "document.readyState === 'complete'");
                browser.evaluate("sessionStorage.setItem('vigil_token', '" + console.token() + "')");
                long[] load = new long[ROUNDS], open = new long[ROUNDS];
                for (int i = 0; i < ROUNDS; i++) {
                    browser.navigate(base + "?round=" + i + "#incident/" + incident);
                    JsonNode drawn = await(browser, "window.vigilGraphDrawn || null");
                    load[i] = (long) (drawn.path("sinceLoad").asDouble() * 1_000_000);
                    open[i] = (long) (drawn.path("open").asDouble() * 1_000_000);
                }
                out.printf("console: in Chromium, page load to drawn graph %d ms, of which fetching and drawing the graph %d ms (median of %d)%n",
                        BenchCommand.median(load) / 1_000_000, BenchCommand.median(open) / 1_000_000, ROUNDS);
            } catch (java.io.IOException noBrowser) {
                out.println("console: not timed in a browser: " + Escape.line(String.valueOf(noBrowser.getMessage())));
            }
        }
    }

    private static JsonNode await(HeadlessChromium browser, String expression) throws Exception {
        for (int i = 0; i < 600; i++) {
            JsonNode v = browser.evaluate(expression);
            if (!v.isMissingNode() && !v.isNull() && !(v.isBoolean() && !v.asBoolean())) {
                return v;
            }
            Thread.sleep(50);
        }
        throw new java.io.IOException("the page never showed: " + expression);
    }

    /** Writes the incident's processes, their events and the alert through the store's own writer; returns the incident id. */
    private static String fill(Path data) throws Exception {
        StoreWriter w = new StoreWriter(Store.open(data), java.time.Duration.ofDays(1), 1L << 30);
        long now = System.currentTimeMillis() * 1_000_000L;
        Map<String, Object> root = exec(now, 1000, 0, "/bin/bash", List.of("bash", "-i"));
        w.event(root);
        int pid = 1001;
        for (int c = 0; c < 50; c++) {
            Map<String, Object> child = exec(now + c, pid++, 1000, "/opt/stage/tool-" + c, List.of("tool-" + c, "--run", String.valueOf(c)));
            w.event(child);
            w.event(touch(child, "file_write", "file", "/var/tmp/stage/out-" + c));
            for (int g = 0; g < 9; g++) {
                Map<String, Object> grandchild = exec(now + c * 10 + g, pid++, ((Number) child.get("pid")).intValue(),
                        "/opt/stage/helper-" + c + "-" + g, List.of("helper", "-n", String.valueOf(g)));
                grandchild.put("parent_exec_id", child.get("exec_id"));
                w.event(grandchild);
                Map<String, Object> connect = touch(grandchild, "connect", "dip", "203.0.113." + (g + c % 20));
                connect.put("dport", 443L);
                w.event(connect);
            }
        }
        String alertId = "bench-alert";
        w.alerts.accept(new Alert(alertId, now, "Reverse shell", "rule", Priority.CRITICAL, List.of("T1059.004"),
                "bench: a shell that started " + PROCESSES + " processes", HOST, List.of(root), List.of(), Map.of()));
        w.close();
        return "inc-" + alertId;
    }

    private static Map<String, Object> exec(long ts, int pid, int ppid, String exe, List<String> args) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("event", "execve");
        e.put("ts", ts);
        e.put("nodename", HOST);
        e.put("pid", (long) pid);
        e.put("ppid", (long) ppid);
        e.put("start_time", (long) pid * 1000);
        e.put("exec_id", HOST + ":" + pid * 1000L + ":" + pid);
        e.put("parent_exec_id", ppid == 0 ? "" : HOST + ":" + ppid * 1000L + ":" + ppid);
        e.put("exe", exe);
        e.put("comm", exe.substring(exe.lastIndexOf('/') + 1));
        e.put("args", args);
        e.put("uid", 1000L);
        e.put("username", "alice");
        e.put("res", 0L);
        return e;
    }

    private static Map<String, Object> touch(Map<String, Object> process, String type, String key, String value) {
        Map<String, Object> e = new LinkedHashMap<>(process);
        e.put("event", type);
        e.put("ts", ((Number) process.get("ts")).longValue() + 1);
        e.remove("args");
        e.put(key, value);
        return e;
    }

}
