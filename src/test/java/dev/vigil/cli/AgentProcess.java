package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.sensor.KernelSupport;
import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** {@code vigil run ARGS…} as a separate process: alerts from stdout, stderr lines kept, signals sent as a user would. */
final class AgentProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    final Process process;
    final List<JsonNode> alerts = new CopyOnWriteArrayList<>();
    final List<String> stderr = new CopyOnWriteArrayList<>();

    private AgentProcess(Process p) {
        this.process = p;
    }

    /** Skips off root, fails off root under CI=true: privileged tests cannot pass by skipping there. */
    static void requireRoot() {
        boolean root = KernelSupport.isRoot();
        if (!root && "true".equals(System.getenv("CI"))) {
            fail("privileged tests must run as root under CI=true");
        }
        Assumptions.assumeTrue(root);
    }

    static List<String> javaCommand(String... jvmOptions) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.vigil.cli.Main"));
        return cmd;
    }

    static AgentProcess start(List<String> jvmOptions, String... args) throws Exception {
        return command(jvmOptions, "run", args);
    }

    /** {@code vigil SUBCOMMAND ARGS…} (agent, server…), once it printed "ready"; JSON lines on its stdout are kept as alerts. */
    static AgentProcess command(List<String> jvmOptions, String subcommand, String... args) throws Exception {
        requireRoot();
        List<String> cmd = javaCommand(jvmOptions.toArray(String[]::new));
        cmd.add(subcommand);
        cmd.addAll(List.of(args));
        if (subcommand.equals("run") && java.util.Arrays.stream(args).noneMatch(a -> a.startsWith("--rasp"))) {
            cmd.add("--rasp=off"); // the RASP's own tests ask for it: the others leave the test JVM and its neighbours alone
        }
        AgentProcess a = new AgentProcess(new ProcessBuilder(cmd).start());
        BufferedReader err = new BufferedReader(new InputStreamReader(a.process.getErrorStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = err.readLine()) != null && !line.equals("ready")) {
            a.stderr.add(line);
        }
        assertEquals("ready", line, "vigil run did not start: " + a.stderr);
        Thread.ofPlatform().daemon().start(() -> err.lines().forEach(a.stderr::add));
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(a.process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = out.readLine()) != null; ) {
                    a.alerts.add(JSON.readTree(l));
                }
            } catch (Exception e) {
                // the process ended
            }
        });
        return a;
    }

    static AgentProcess start(String... args) throws Exception {
        return start(List.of(), args);
    }

    long pid() {
        return process.pid();
    }

    void signal(String name) throws Exception {
        new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).start().waitFor();
    }

    JsonNode await(String rule, Predicate<JsonNode> p) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            for (JsonNode a : alerts) {
                if (a.get("rule").asText().equals(rule) && p.test(a)) {
                    return a;
                }
            }
            Thread.sleep(20);
        }
        return fail("no '" + rule + "' alert within 10 s; alerts so far: " + alerts.stream().map(a -> a.get("output").asText()).toList()
                + "; stderr: " + stderr);
    }

    String awaitStderr(Predicate<String> p) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            for (String l : stderr) {
                if (p.test(l)) {
                    return l;
                }
            }
            Thread.sleep(20);
        }
        return fail("no such line on stderr within 10 s: " + stderr);
    }

    /** SIGTERM, then the exit status (0 expected from a clean stop). */
    int stop() throws Exception {
        signal("TERM");
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("vigil run did not stop on SIGTERM");
        }
        return process.exitValue();
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            stop();
        }
    }

    /** The console this process serves, from its "vigil: console URL token T" line. */
    ConsoleClient console() throws InterruptedException {
        String line = awaitStderr(l -> l.startsWith("vigil: console http://"));
        java.util.regex.Matcher at = java.util.regex.Pattern.compile("(http://[^/]+)/ token ([0-9a-f]+)").matcher(line);
        if (!at.find()) {
            fail("no console address in: " + line);
        }
        return new ConsoleClient(at.group(1), at.group(2));
    }

    /** The console's API as a test calls it: GET with the bearer token, 200 expected, JSON back. */
    record ConsoleClient(String base, String token) {
        private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();

        JsonNode get(String path) throws Exception {
            java.net.http.HttpResponse<String> r = HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + path))
                    .header("Authorization", "Bearer " + token).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), path + ": " + r.body());
            return JSON.readTree(r.body());
        }

        /** The graph of the incident that holds an alert of `rule` whose output mentions `about`, once the store has written it. */
        JsonNode graphOf(String rule, String about) throws Exception {
            for (int i = 0; i < 100; i++) { // the store writes alerts in batches
                for (JsonNode inc : get("/api/incidents")) {
                    JsonNode full = get("/api/incidents/" + inc.path("id").asText());
                    for (JsonNode a : full.path("alerts")) {
                        if (a.path("rule").asText().equals(rule) && a.path("output").asText().contains(about)) {
                            return get("/api/incidents/" + inc.path("id").asText() + "/graph");
                        }
                    }
                }
                Thread.sleep(100);
            }
            throw new AssertionError("no incident holds '" + rule + "': " + get("/api/incidents"));
        }
    }
}
