package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs procedures (attacks or admin work) described in a YAML file, each as its own process
 * tree, with what an attacker would have on loopback: a listener for reverse shells ($PORT, which
 * sends the procedure's `send` lines), a connection to a bind shell ($BPORT), and an HTTP server
 * ($HTTP) that serves a script and takes uploads; and for container procedures, Debian's docker
 * client ($DOCKER), the test image ($IMAGE) and a name for the procedure's containers ($C, and $C-…
 * for more). Alerts are attributed to a procedure when one of their events was raised by its root
 * process or a descendant of it, or in one of its containers (whose processes descend from the
 * runtime, not from the procedure).
 */
final class Corpus implements AutoCloseable {
    /** One procedure; `expect`, when not empty, is the detection it is there to prove, which must be among its alerts. */
    record Procedure(String id, String technique, String tactic, String name, String run, String cleanup, boolean bind,
                     String send, String expect) {}

    /** A procedure as it ran: the root of its process tree, and the rules that alerted on that tree. */
    record Ran(Procedure p, long root, List<String> rules) {}

    private final HttpServer http;
    private final Path base;

    Corpus() throws IOException {
        base = Files.createTempDirectory("vigil-corpus");
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        http.createContext("/", ex -> {
            byte[] body = ex.getRequestURI().getPath().endsWith(".sh") ? "echo downloaded; id\n".getBytes(StandardCharsets.UTF_8)
                    : "ok\n".getBytes(StandardCharsets.UTF_8);
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
    }

    static List<Procedure> load(String resource) throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        List<Procedure> out = new ArrayList<>();
        try (InputStream in = Corpus.class.getResourceAsStream("/" + resource)) {
            for (JsonNode n : yaml.readTree(in)) {
                out.add(new Procedure(n.path("id").asText(), n.path("technique").asText(""), n.path("tactic").asText(""),
                        n.path("name").asText(), n.path("run").asText(), n.path("cleanup").asText(""), n.path("bind").asBoolean(false),
                        n.path("send").asText("id\nexit\n"), n.path("expect").asText("")));
            }
        }
        return out;
    }

    /** The stock rule the marker below raises: a program started as "[kworker/…]". */
    static final String MARKER_RULE = "Process disguised as a kernel thread";

    /**
     * Runs a marker process whose exec raises {@link #MARKER_RULE}, and returns the test that
     * picks out its alert. The agent handles events in the order the kernel made them, so once the
     * marker's alert is out, every alert of what ran before it is out too: tests that assert that
     * something raised nothing wait for it instead of sleeping.
     */
    static java.util.function.Predicate<com.fasterxml.jackson.databind.JsonNode> marker() throws Exception {
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import os; os.execv('/bin/true', ['[kworker/9:9-vigil-marker]'])").start();
        p.waitFor();
        long pid = p.pid();
        return a -> a.path("events").path(0).path("pid").asLong() == pid;
    }

    /** Runs one procedure to its end (at most 20 s) and returns its root pid. */
    long run(Procedure p) throws Exception {
        Path dir = Files.createDirectories(base.resolve(p.id()));
        int bport;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            bport = probe.getLocalPort();
        }
        try (ServerSocket listener = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            listener.setSoTimeout(8000);
            Thread serve = Thread.ofPlatform().daemon().start(() -> {
                try (Socket s = listener.accept()) {
                    talk(s, p.send());
                } catch (IOException nobodyCame) {
                    // a procedure that never connects back
                }
            });
            Map<String, String> env = Map.of("T", dir.toString(), "PORT", String.valueOf(listener.getLocalPort()),
                    "BPORT", String.valueOf(bport), "HTTP", "http://127.0.0.1:" + http.getAddress().getPort(),
                    "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "DOCKER", "/usr/bin/docker", "IMAGE", dev.vigil.enrich.RealDocker.IMAGE, "C", containerName(p));
            Process proc = shell(p.run(), dir, env).start();
            if (p.bind()) {
                for (int i = 0; i < 50 && proc.isAlive(); i++) {
                    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), bport)) {
                        talk(s, p.send());
                        break;
                    } catch (IOException notYet) {
                        Thread.sleep(100);
                    }
                }
            }
            if (!proc.waitFor(20, TimeUnit.SECONDS)) {
                proc.descendants().forEach(ProcessHandle::destroyForcibly);
                proc.destroyForcibly();
            }
            serve.join(1000);
            if (!p.cleanup().isEmpty()) {
                // the same environment as the procedure: a cleanup restoring from "$T/x.bak" must never see an empty $T
                shell("set -u; [ -d \"$T\" ] || exit 1\n" + p.cleanup(), dir, env).start().waitFor(20, TimeUnit.SECONDS);
            }
            return proc.pid();
        }
    }

    /** The name a procedure gives its containers ($C), by which their alerts are its. */
    static String containerName(Procedure p) {
        return "vigil-corpus-" + p.id();
    }

    private static ProcessBuilder shell(String script, Path dir, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder("/bin/bash", "-c", script).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        return pb;
    }

    private static void talk(Socket s, String send) throws IOException {
        s.setSoTimeout(4000);
        s.getOutputStream().write(send.replace("\\n", "\n").getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
        try {
            s.getInputStream().readAllBytes();
        } catch (IOException timedOut) {
            // the shell kept the socket open; enough was said
        }
    }

    /** The rules whose alerts came from the process tree under `root`, or from the containers named `container` or `container-…`. */
    static List<String> alertsOf(List<JsonNode> alerts, long root, String container) {
        List<String> rules = new ArrayList<>();
        for (JsonNode a : alerts) {
            if (a.path("kind").asText().equals("folded")) {
                continue;
            }
            boolean ours = false;
            for (JsonNode n : a.path("lineage")) { // the process cache's ancestry at alert time, nearest first
                ours |= n.path("pid").asLong() == root;
            }
            for (JsonNode e : a.path("events")) {
                String name = e.path("container_name").asText("");
                if (ours || under(e, root) || name.equals(container) || name.startsWith(container + "-")) {
                    if (!rules.contains(a.path("rule").asText())) {
                        rules.add(a.path("rule").asText());
                    }
                    break;
                }
            }
        }
        return rules;
    }

    private static boolean under(JsonNode e, long root) {
        if (e.path("pid").asLong() == root) {
            return true;
        }
        for (JsonNode n : e.path("ancestors")) {
            if (n.path("pid").asLong() == root) {
                return true;
            }
        }
        return false;
    }

    /** A markdown table of what ran and what it raised, for the log and target/. */
    static String report(String title, List<Ran> ran) {
        StringBuilder sb = new StringBuilder("## " + title + "\n\n| id | tactic | technique | procedure | alerts |\n|---|---|---|---|---|\n");
        Map<String, int[]> byTactic = new LinkedHashMap<>();
        for (Ran r : ran) {
            sb.append("| ").append(r.p().id()).append(" | ").append(r.p().tactic()).append(" | ").append(r.p().technique())
                    .append(" | ").append(r.p().name()).append(" | ").append(r.rules().isEmpty() ? "—" : String.join("; ", r.rules()))
                    .append(" |\n");
            int[] c = byTactic.computeIfAbsent(r.p().tactic(), k -> new int[2]);
            c[0]++;
            c[1] += r.rules().isEmpty() ? 0 : 1;
        }
        sb.append("\n");
        byTactic.forEach((t, c) -> sb.append("- ").append(t).append(": ").append(c[1]).append("/").append(c[0]).append("\n"));
        return sb.toString();
    }

    @Override
    public void close() throws IOException {
        http.stop(0);
        new ProcessBuilder("rm", "-rf", base.toString()).start();
    }
}
