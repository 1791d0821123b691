package dev.vigil.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.agent.RulePaths;
import dev.vigil.cli.TempDir;
import dev.vigil.detect.Engine;
import dev.vigil.detect.RuleLoader;
import dev.vigil.detect.RuleSet;
import dev.vigil.k8saudit.AuditEvents;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Kubernetes audit events: how many per second the rule engine takes on one thread with Falco's
 * k8saudit file (and with the stock pack's own detections beside it), and how many per second
 * `vigil run` takes end to end through its webhook in the API server's batches of 100, with
 * nothing lost: timed from the first batch to the alert on a marker event sent last (the queue
 * keeps order, so every event before it has met the rules).
 */
final class K8sAuditBench {
    private K8sAuditBench() {}

    private static final ObjectMapper JSON = new ObjectMapper();
    static final int BATCH = 100;
    /** Distinct events made (and cycled through): the agent's heap of 256 MiB holds the bench's too. */
    private static final int DISTINCT = 10_000;
    private static final String MARKER_USER = "vigil-bench-marker";

    static void run(PrintStream out, Path falco, boolean smoke) throws Exception {
        if (falco == null || !Files.isRegularFile(falco)) {
            out.println("k8s audit: Falco's k8s_audit_rules.yaml not found (--k8s-rules PATH): measured over the stock pack's own detections only");
            falco = null;
        }
        List<Map<String, Object>> raw = mix(DISTINCT);
        int total = smoke ? 20_000 : 200_000;
        List<Path> falcoOnly = falco == null ? List.of(RulePaths.stockPack()) : List.of(falco);
        out.printf("k8s audit, rule engine on one thread: %,.0f events/s over %s (target ≥ 50,000)%n", engine(raw, falcoOnly),
                falco == null ? "the stock pack" : "Falco's k8saudit file");
        if (falco != null) {
            out.printf("k8s audit, rule engine on one thread: %,.0f events/s over Falco's file and the stock pack together%n",
                    engine(raw, List.of(falco, RulePaths.stockPack())));
        }
        webhook(out, raw, total, falcoOnly);
    }

    /**
     * Audit events as a busy cluster sends them: mostly the control plane's reads and watches, then
     * users' reads, writes of workloads and configmaps, secret reads, a few execs and bindings.
     */
    static List<Map<String, Object>> mix(int n) {
        List<Map<String, Object>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int kind = i % 20;
            Map<String, Object> e = switch (kind) {
                case 0, 1, 2, 3, 4, 5, 6 -> request(i, "watch", "system:kube-controller-manager", "pods", null, null, 200);
                case 7, 8, 9, 10 -> request(i, "get", "system:node:worker-" + (i % 7), "configmaps", "shop", "web-config", 200);
                case 11, 12 -> request(i, "list", "kubernetes-admin", "pods", "shop", null, 200);
                case 13 -> request(i, "update", "system:serviceaccount:kube-system:replicaset-controller", "replicasets", "shop", "web-7d9", 200);
                case 14 -> withPod(request(i, "create", "system:serviceaccount:kube-system:replicaset-controller", "pods", "shop", "web-7d9-" + i, 201));
                case 15 -> request(i, "get", "system:serviceaccount:shop:web", "secrets", "shop", "db-password", 200);
                case 16 -> request(i, "patch", "kubernetes-admin", "deployments", "shop", "web", 200);
                case 17 -> request(i, "create", "kubernetes-admin", "configmaps", "shop", "web-config-" + i, 201);
                case 18 -> request(i, "get", "system:anonymous", "namespaces", null, null, 403);
                default -> request(i, "delete", "system:serviceaccount:kube-system:job-controller", "pods", "batch", "job-" + i, 200);
            };
            out.add(e);
        }
        return out;
    }

    private static Map<String, Object> request(int i, String verb, String user, String resource, String namespace, String name, int code) {
        Map<String, Object> e = new LinkedHashMap<>();
        String group = resource.equals("deployments") || resource.equals("replicasets") ? "apps" : "";
        e.put("kind", "Event");
        e.put("apiVersion", "audit.k8s.io/v1");
        e.put("level", "Metadata");
        e.put("auditID", String.format("00000000-0000-4000-8000-%012d", i));
        e.put("stage", "ResponseComplete");
        e.put("requestURI", (group.isEmpty() ? "/api/v1" : "/apis/" + group + "/v1") + (namespace == null ? "" : "/namespaces/" + namespace)
                + "/" + resource + (name == null ? "" : "/" + name));
        e.put("verb", verb);
        e.put("user", Map.of("username", user, "groups", List.of("system:authenticated")));
        e.put("sourceIPs", List.of("10.0.0." + (i % 250 + 1)));
        e.put("userAgent", "kube-controller-manager/v1.29.2 (linux/amd64) kubernetes/4b8e819");
        Map<String, Object> ref = new LinkedHashMap<>();
        ref.put("resource", resource);
        if (namespace != null) {
            ref.put("namespace", namespace);
        }
        if (name != null) {
            ref.put("name", name);
        }
        ref.put("apiGroup", group);
        ref.put("apiVersion", "v1");
        e.put("objectRef", ref);
        e.put("responseStatus", Map.of("metadata", Map.of(), "code", code));
        e.put("requestReceivedTimestamp", "2026-12-05T10:15:30.123456Z");
        e.put("stageTimestamp", "2026-12-05T10:15:30.134567Z");
        e.put("annotations", Map.of("authorization.k8s.io/decision", code == 403 ? "forbid" : "allow", "authorization.k8s.io/reason", ""));
        return e;
    }

    private static Map<String, Object> withPod(Map<String, Object> e) {
        e.put("level", "RequestResponse");
        e.put("requestObject", Map.of("kind", "Pod", "apiVersion", "v1", "metadata", Map.of("name", "web"), "spec",
                Map.of("containers", List.of(Map.of("name", "web", "image", "registry.example/shop/web:2.1",
                        "securityContext", Map.of("runAsUser", 1000, "allowPrivilegeEscalation", false))))));
        return e;
    }

    /** Events per second through one engine, on one thread, after a warm-up pass; the median of three timed passes of at least a second. */
    private static double engine(List<Map<String, Object>> raw, List<Path> rules) {
        RuleSet set = RuleLoader.load(rules);
        List<Map<String, Object>> events = new ArrayList<>(raw.size());
        for (Map<String, Object> r : raw) {
            events.addAll(AuditEvents.read(r, "bench", "bench", 1).events());
        }
        AtomicLong alerts = new AtomicLong();
        Engine engine = new Engine(set, a -> alerts.incrementAndGet(), Engine::lineageFromTree);
        events.forEach(engine::accept);
        List<Double> rates = new ArrayList<>();
        for (int pass = 0; pass < 3; pass++) {
            long n = 0, t0 = System.nanoTime();
            do {
                for (Map<String, Object> e : events) {
                    engine.accept(e);
                }
                n += events.size();
            } while (System.nanoTime() - t0 < 1_000_000_000L);
            rates.add(n * 1e9 / (System.nanoTime() - t0));
        }
        rates.sort(null);
        return rates.get(1);
    }

    /** `vigil run` with the webhook, fed batches of 100 by two clients as fast as it answers; a 503 (queue full) is sent again, as the API server does. */
    private static void webhook(PrintStream out, List<Map<String, Object>> raw, int total, List<Path> rules) throws Exception {
        List<byte[]> distinct = new ArrayList<>();
        for (int i = 0; i < raw.size(); i += BATCH) {
            distinct.add(eventList(raw.subList(i, Math.min(raw.size(), i + BATCH))));
        }
        int batches = total / BATCH;
        Map<String, Object> marker = request(raw.size(), "get", MARKER_USER, "secrets", "shop", "marker", 200);
        try (TempDir data = TempDir.create("vigil-bench-k8s")) {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            cmd.addAll(AgentBench.jvmOptions());
            // the JVM RASP's cost is RaspBench's: here the agent's own, the RASP left out
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.vigil.cli.Main", "run", "--rasp=off", "--data", data.path().toString(),
                    "--no-console", "--fold", "0", "--k8s-audit", "127.0.0.1:0", "--k8s-audit-insecure"));
            for (Path r : rules) {
                cmd.addAll(List.of("--rules", r.toString()));
            }
            ProcessBuilder launch = new ProcessBuilder(cmd);
            launch.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
            Path said = data.path().resolve("agent.err"); // a file, not a pipe: nothing of it is lost when the agent ends
            launch.redirectError(said.toFile());
            Process agent = launch.start();
            try {
                String url = null, summary = null;
                for (int i = 0; i < 600 && agent.isAlive() && !Files.readAllLines(said).contains("ready"); i++) {
                    Thread.sleep(100);
                }
                for (String line : Files.readAllLines(said)) {
                    if (line.startsWith("vigil: Kubernetes audit webhook ")) {
                        url = line.split(" ")[4];
                    }
                }
                if (url == null || !Files.readAllLines(said).contains("ready")) {
                    out.println("k8s audit, webhook: the agent did not start: " + Files.readAllLines(said));
                    return;
                }
                CountDownLatch markerSeen = new CountDownLatch(1);
                AtomicLong alerts = new AtomicLong();
                Thread.ofPlatform().daemon().start(() -> {
                    try (BufferedReader alertLines = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String l; (l = alertLines.readLine()) != null; ) {
                            alerts.incrementAndGet();
                            if (l.contains(MARKER_USER)) {
                                markerSeen.countDown();
                            }
                        }
                    } catch (java.io.IOException ended) {
                        // the agent stopped
                    }
                });
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                URI to = URI.create(url);
                AtomicInteger next = new AtomicInteger();
                AtomicLong retried = new AtomicLong(), refused = new AtomicLong();
                long t0 = System.nanoTime();
                List<Thread> clients = new ArrayList<>();
                for (int c = 0; c < 2; c++) {
                    clients.add(Thread.ofPlatform().start(() -> {
                        for (int b; (b = next.getAndIncrement()) < batches; ) {
                            try {
                                while (true) {
                                    int status = post(http, to, distinct.get(b % distinct.size()));
                                    if (status == 200) {
                                        break;
                                    }
                                    if (status != 503) {
                                        refused.incrementAndGet();
                                        break;
                                    }
                                    retried.incrementAndGet();
                                    Thread.sleep(50);
                                }
                            } catch (Exception e) {
                                refused.incrementAndGet();
                            }
                        }
                    }));
                }
                for (Thread t : clients) {
                    t.join();
                }
                if (!agent.isAlive()) {
                    out.println("k8s audit, webhook: the agent ended (exit " + agent.waitFor() + "): " + Files.readAllLines(said));
                    return;
                }
                int markerStatus = post(http, to, eventList(List.of(marker)));
                boolean done = markerStatus == 200 && markerSeen.await(120, TimeUnit.SECONDS);
                long ns = System.nanoTime() - t0;
                String threads = threadCpu(agent.pid());
                agent.destroy(); // SIGTERM: the agent says what it received and dropped
                agent.waitFor(30, TimeUnit.SECONDS);
                for (String line : Files.readAllLines(said)) {
                    if (line.startsWith("vigil: Kubernetes audit: ") || line.startsWith("vigil: store ")) {
                        summary = (summary == null ? "" : summary + "; ") + line.substring("vigil: ".length());
                    }
                }
                if (!done) {
                    out.println("k8s audit, webhook: the marker's alert did not come within 120 s (status " + markerStatus + ")");
                    return;
                }
                out.printf("k8s audit, webhook end to end (vigil run, batches of %d, 2 clients): %,.0f events/s, %,d events in %.2f s to the last"
                                + " one's alert (target ≥ 20,000/s); %d batches sent again after a 503, %d refused; %s; %,d alerts%n",
                        BATCH, total * 1e9 / ns, total, ns / 1e9, retried.get(), refused.get(), summary, alerts.get());
                out.println("  the agent's CPU by thread: " + threads);
            } finally {
                agent.destroyForcibly();
                agent.waitFor();
            }
        }
    }

    /** CPU seconds by thread name (each thread's utime + stime, read as PeerBench reads a process's), the busiest first. */
    static String threadCpu(long pid) {
        Map<String, Double> by = new java.util.HashMap<>();
        List<ThreadCpu> threads = ThreadCpu.of(pid);
        if (threads.isEmpty()) {
            return "(the agent ended)";
        }
        for (ThreadCpu t : threads) {
            by.merge(t.name().replaceAll("-?\\d+$", ""), t.ns() / 1e9, Double::sum);
        }
        return by.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(6)
                .map(en -> String.format("%s %.1f s", en.getKey(), en.getValue())).toList().toString();
    }

    private static int post(HttpClient http, URI to, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(to).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static byte[] eventList(List<Map<String, Object>> items) throws Exception {
        return JSON.writeValueAsBytes(Map.of("kind", "EventList", "apiVersion", "audit.k8s.io/v1", "metadata", Map.of(), "items", items));
    }
}
