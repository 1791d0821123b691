package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.detect.FalcoRuleFiles;
import dev.vigil.fleet.LocalBroker;
import dev.vigil.k8saudit.AuditFixture;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static dev.vigil.k8saudit.AuditFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Kubernetes audit events in fleet mode, on a real broker: the webhook of `vigil server` and a
 * recording published by `vigil agent --from` put them on the events topic under their cluster's
 * key; the servers' consumer group evaluates them with Falco's k8saudit rules, stores them, and
 * the console finds them by the request's user, verb, resource, namespace, name, code and source IP.
 */
class K8sAuditFleetTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** The first records wait for the events topic to be made and assigned: longer than AgentProcess.await. */
    private static JsonNode awaitAlert(AgentProcess server, String rule, Predicate<JsonNode> p) throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            for (JsonNode a : server.alerts) {
                if (a.path("rule").asText().equals(rule) && p.test(a)) {
                    return a;
                }
            }
            Thread.sleep(100);
        }
        return fail("no '" + rule + "' alert at the server within 60 s: " + server.alerts + "; stderr: " + server.stderr);
    }

    @Test
    void auditEventsReachTheServersKeyedByClusterAndAreSearchable() throws Exception {
        AgentProcess.requireRoot();
        try (TempDir work = TempDir.create("vigil-k8s-fleet")) {
            try (LocalBroker broker = LocalBroker.start(work.path().resolve("broker"), LocalBroker.freePortPair());
                 AgentProcess server = AgentProcess.command(StormTest.serverJvmOptions(), "server", "--kafka", broker.bootstrap(),
                         "--data", work.path().resolve("server").toString(), "--listen", "127.0.0.1:0", "--fold", "0",
                         "--rules", FalcoRuleFiles.k8sAudit().toString(),
                         "--k8s-audit", "127.0.0.1:0", "--k8s-audit-insecure", "--cluster", "prod")) {
                String hook = server.stderr.stream().filter(l -> l.startsWith("vigil: Kubernetes audit webhook ")).findFirst().orElseThrow().split(" ")[4];
                assertTrue(server.stderr.contains("vigil: Kubernetes audit events go to vigil.events under the key k8s:prod"), server.stderr.toString());

                // the API server's webhook posts to the server, which hands the events to the group through Kafka
                AuditFixture exec = request("create", "pods", "shop", "web-1").subresource("exec").stage("ResponseStarted")
                        .uri("/api/v1/namespaces/shop/pods/web-1/exec?command=sh&container=web&stdin=true");
                HttpResponse<String> ok = HTTP.send(HttpRequest.newBuilder(URI.create(hook)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(AuditFixture.eventList(List.of(exec)))).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, ok.statusCode(), ok.body());
                JsonNode attach = awaitAlert(server, "Attach/Exec Pod", a -> a.path("output").asText().contains("pod=web-1"));
                assertEquals("prod", attach.path("events").get(0).path("cluster").asText(), attach.toString());

                // a recorded audit log published by an agent under another cluster's key
                Path recording = work.path().resolve("audit.log");
                Files.writeString(recording, request("get", "secrets", "billing", "stripe-key").user("mallory").json() + "\n"
                        + "{\"kind\": \"EventList\", \"items\": 5}\n");
                List<String> cmd = new ArrayList<>(AgentProcess.javaCommand());
                cmd.addAll(List.of("agent", "--kafka", broker.bootstrap(), "--host-id", "recorder", "--cluster", "staging", "--from", recording.toString()));
                Process agent = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                String published = new String(agent.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(1, agent.waitFor(), "the line that is not a valid batch makes exit 1: " + published);
                assertTrue(published.contains("audit events of k8s:staging: 1 delivered to Kafka"), published);
                assertTrue(published.contains("1 recorded events published as host recorder, 1 lines skipped"), published);
                JsonNode secret = awaitAlert(server, "K8s Secret Get Successfully", a -> a.path("output").asText().contains("user=mallory"));
                assertEquals("staging", secret.path("events").get(0).path("cluster").asText(), secret.toString());

                // the console finds them by the request's columns
                AgentProcess.ConsoleClient console = server.console();
                String query = "/api/events?type=k8s_audit&user=mallory&verb=get&resource=secrets&namespace=billing&name=stripe-key&code=200";
                JsonNode byUser = console.get(query);
                for (int i = 0; i < 100 && byUser.isEmpty(); i++) { // the store writes in batches, after the rules have seen the event
                    Thread.sleep(100);
                    byUser = console.get(query);
                }
                assertEquals(1, byUser.size(), byUser.toString());
                assertEquals("staging", byUser.get(0).path("cluster").asText());
                JsonNode byAddress = console.get("/api/events?address=198.51.100.7");
                assertEquals(2, byAddress.size(), "both requests came from that address: " + byAddress);
                assertEquals(0, console.get("/api/events?user=mallory&code=403").size(), "mallory's read was not refused");
                HttpResponse<String> bad = HTTP.send(HttpRequest.newBuilder(URI.create(console.base() + "/api/events?code=forbidden"))
                        .header("Authorization", "Bearer " + console.token()).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(400, bad.statusCode(), bad.body());

                assertEquals(0, server.stop());
                String summary = server.awaitStderr(l -> l.contains(" events from ") && l.contains("Kubernetes clusters"));
                assertTrue(summary.contains("2 events from 0 hosts and 2 Kubernetes clusters"), summary);
                String sent = server.awaitStderr(l -> l.startsWith("vigil: audit events of k8s:prod: "));
                assertTrue(sent.contains("1 delivered to Kafka") && sent.contains(" 0 failed"), sent);
            }
        }
    }
}
