package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * src/test/resources/java-attack-corpus.yaml under `vigil run` with the stock pack and the RASP:
 * every procedure must raise its alert. The applications run on OpenJDK 17 and Temurin 25 and in
 * embedded Tomcat; each procedure is found by its own tag, which only its request carries.
 */
class JavaAttackCorpusTest {
    @Test
    void everyJavaProcedureIsDetectedAndOrdinaryWorkIsNot() throws Exception {
        AgentProcess.requireRoot();
        JsonNode corpus = new ObjectMapper(new YAMLFactory()).readTree(JavaAttackCorpusTest.class.getResourceAsStream("/java-attack-corpus.yaml"));
        Map<String, VulnerableJvm> apps = new LinkedHashMap<>();
        try {
            apps.put("jdk17", VulnerableJvm.start(VulnerableJvm.JAVA_17, null));
            apps.put("jdk25", VulnerableJvm.start(VulnerableJvm.JAVA_25, null));
            apps.put("tomcat", VulnerableJvm.tomcat(VulnerableJvm.JAVA_17));
            try (AgentProcess agent = AgentProcess.start(JvmRaspLiveTest.args())) {
                for (VulnerableJvm app : apps.values()) {
                    app.awaitState(j -> j.path("status").asText().equals("attached") && j.path("connected").asBoolean(), "attached");
                }
                List<String> missed = new ArrayList<>();
                StringBuilder report = new StringBuilder("Java attack corpus:\n");
                for (JsonNode p : corpus) {
                    String id = p.path("id").asText(), rule = p.path("expect").asText();
                    String tag = "vigil-" + id;
                    boolean seen = run(p, apps.get(p.path("app").asText()), tag, agent, rule);
                    report.append(String.format("  %-34s %-10s %-52s %s%n", id, p.path("technique").asText(), rule, seen ? "detected" : "MISSED"));
                    if (!seen) {
                        missed.add(id);
                    }
                }
                report.append(String.format("%d of %d detected%n", corpus.size() - missed.size(), corpus.size()));
                String admin = runAdminCorpus(apps, agent);
                System.out.print(report);
                System.out.print(admin);
                assertTrue(missed.isEmpty(), report + "\nalerts: " + agent.alerts.stream().map(a -> a.path("output").asText()).toList());
                assertFalse(admin.startsWith("NOISY"), admin);
            }
        } finally {
            for (VulnerableJvm app : apps.values()) {
                app.close();
            }
        }
    }

    /** Runs one procedure (attack or admin work) on its application, and waits for `rule`'s alert naming the tag when one is given. */
    private static boolean run(JsonNode p, VulnerableJvm app, String tag, AgentProcess agent, String rule) throws Exception {
        Path lib = null;
        try (ServerSocket listener = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> answer(listener));
            if (p.has("libdir")) {
                Path dir = Files.createTempDirectory(Path.of(p.path("libdir").asText()), "vigil-corpus-");
                lib = dir.resolve("lib" + tag + ".so");
                Files.copy(Path.of("/lib/x86_64-linux-gnu/libz.so.1"), lib);
            }
            String asked = (p.has("post") ? p.path("post") : p.path("get")).asText().replace("{tag}", tag)
                    .replace("{port}", Integer.toString(listener.getLocalPort())).replace("{lib}", lib == null ? "" : VulnerableJvm.encode(lib.toString()));
            String path = asked + (asked.contains("?") ? "&" : "?") + "t=" + tag;
            if (p.has("gadget")) {
                String argument = p.path("gadget").asText().replace("{tag}", tag).replace("{port}", Integer.toString(listener.getLocalPort()));
                app.post("/deserialize?t=" + tag, gadget(p.path("class").asText("dev.vigil.testapp.Gadget"), argument));
            } else if (p.has("data")) {
                app.post("/deserialize?t=" + tag, plainData(p.path("data").asText().replace("{tag}", tag)));
            } else if (p.has("post")) {
                app.post(path, p.path("body").asText().getBytes(StandardCharsets.UTF_8));
            } else {
                Thread request = Thread.ofVirtual().start(() -> {
                    try {
                        app.get(path);
                    } catch (Exception ignored) {
                        // a reverse shell's request ends with the shell
                    }
                });
                request.join(p.path("kernel").asBoolean() ? 0 : 30_000);
            }
            for (int i = 0; rule != null && i < 500; i++) {
                for (JsonNode a : agent.alerts) {
                    if (a.path("rule").asText().equals(rule) && a.toString().contains(tag)) {
                        return true;
                    }
                }
                Thread.sleep(20);
            }
            return false;
        } finally {
            if (lib != null) {
                Files.deleteIfExists(lib);
                Files.deleteIfExists(lib.getParent());
            }
            if (p.has("cleanup")) {
                Files.deleteIfExists(Path.of(p.path("cleanup").asText().replace("{tag}", tag)));
            }
            if (p.has("cleanup-webroot")) {
                Files.deleteIfExists(app.webroot.resolve(p.path("cleanup-webroot").asText().replace("{tag}", tag)));
            }
        }
    }

    /**
     * src/test/resources/java-admin-corpus.yaml on the same applications: every procedure, then one
     * marker request per application (a command from a request: an alert that comes after all that
     * application's earlier events); no alert may name a procedure's tag.
     */
    private static String runAdminCorpus(Map<String, VulnerableJvm> apps, AgentProcess agent) throws Exception {
        JsonNode corpus = new ObjectMapper(new YAMLFactory()).readTree(JavaAttackCorpusTest.class.getResourceAsStream("/java-admin-corpus.yaml"));
        List<String> tags = new ArrayList<>();
        for (JsonNode p : corpus) {
            String tag = "vigil-" + p.path("id").asText();
            tags.add(tag);
            run(p, apps.get(p.path("app").asText()), tag, agent, null);
        }
        for (Map.Entry<String, VulnerableJvm> app : apps.entrySet()) {
            String marker = "vigil-admin-marker-" + app.getKey();
            app.getValue().get("/exec?cmd=" + VulnerableJvm.encode("echo " + marker));
            // a Java command alert of either kind: the attacks left Tomcat with a memory filter on every request
            awaitAlert(agent, a -> a.path("rule").asText().startsWith("Java command started") && a.toString().contains(marker), marker);
        }
        StringBuilder report = new StringBuilder("Java admin corpus:\n");
        List<String> noisy = new ArrayList<>();
        for (int i = 0; i < corpus.size(); i++) {
            String tag = tags.get(i);
            List<String> raised = agent.alerts.stream().filter(a -> a.toString().contains(tag)).map(a -> a.path("rule").asText()).distinct().toList();
            report.append(String.format("  %-28s %-70s %s%n", corpus.get(i).path("id").asText(), corpus.get(i).path("name").asText(),
                    raised.isEmpty() ? "silent" : "ALERTED " + raised));
            if (!raised.isEmpty()) {
                noisy.add(tag);
            }
        }
        report.append(String.format("%d of %d silent%n", corpus.size() - noisy.size(), corpus.size()));
        return noisy.isEmpty() ? report.toString() : "NOISY " + report;
    }

    private static void awaitAlert(AgentProcess agent, java.util.function.Predicate<JsonNode> p, String what) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            if (agent.alerts.stream().anyMatch(p)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no alert for " + what + " within 10 s");
    }

    /** A serialization stream of plain data (a list and a map of strings and numbers) holding `value`. */
    private static byte[] plainData(String value) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(b)) {
            out.writeObject(new ArrayList<>(List.of(value, 1, 2.5, new java.util.HashMap<>(Map.of("k", value)), new java.util.Date(0))));
        }
        return b.toByteArray();
    }

    /** A reverse shell's other end: says "exit" to whoever connects. */
    private static void answer(ServerSocket listener) {
        try {
            while (true) {
                try (Socket s = listener.accept(); OutputStream out = s.getOutputStream()) {
                    out.write("exit\n".getBytes(StandardCharsets.UTF_8));
                    s.getInputStream().readAllBytes();
                }
            }
        } catch (Exception closed) {
            // the procedure is over
        }
    }

    /** A serialization stream of one of the applications' own gadgets (a class of src/test/jvm) made with `argument`. */
    static byte[] gadget(String className, String argument) throws Exception {
        try (URLClassLoader app = new URLClassLoader(new URL[] {VulnerableJvm.classes().toUri().toURL()}, null)) {
            Object gadget = app.loadClass(className).getConstructor(String.class).newInstance(argument);
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(b)) {
                out.writeObject(gadget);
            }
            return b.toByteArray();
        }
    }
}
