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

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * src/test/resources/java-attack-corpus.yaml under `vigil run` with the stock pack and the RASP:
 * every procedure must raise its alert. The applications run on OpenJDK 17 and Temurin 25 and in
 * embedded Tomcat; each procedure is found by its own tag, which only its request carries.
 */
class JavaAttackCorpusTest {
    @Test
    void everyJavaProcedureIsDetected() throws Exception {
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
                System.out.print(report);
                assertTrue(missed.isEmpty(), report + "\nalerts: " + agent.alerts.stream().map(a -> a.path("output").asText()).toList());
            }
        } finally {
            for (VulnerableJvm app : apps.values()) {
                app.close();
            }
        }
    }

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
            for (int i = 0; i < 500; i++) {
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
        }
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
