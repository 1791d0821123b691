package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.detect.FalcoRuleFiles;
import dev.vigil.k8saudit.AuditFixture;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.vigil.k8saudit.AuditFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vigil replay} over Kubernetes audit events in every shape a detection engineer has them
 * in: one Event per line (audit.k8s.io/v1, v1beta1, and with kind and apiVersion dropped, as
 * older API servers and some pipelines write them), EventLists, a JSON array, and a whole file
 * that is one pretty-printed EventList. No root, no kernel.
 */
class K8sAuditReplayTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyShapeOfAuditEventReplaysWithFalcosRuleNamesAndPriorities() throws Exception {
        Path dir = Files.createTempDirectory("vigil-k8s-replay");
        try {
            Path lines = dir.resolve("audit.jsonl");
            AuditFixture beta = request("get", "secrets", "shop", "beta").set("apiVersion", "audit.k8s.io/v1beta1");
            AuditFixture bare = request("get", "secrets", "shop", "bare").set("apiVersion", null).set("kind", null);
            String list = AuditFixture.eventList(List.of(request("delete", "namespaces", null, "shop"), request("create", "namespaces", null, "miner")));
            String array = JSON.writeValueAsString(List.of(request("get", "secrets", "shop", "in-array").raw()));
            Files.writeString(lines, String.join("\n", request("get", "secrets", "shop", "v1").json(), beta.json(), bare.json(), list, array,
                    "{\"kind\": \"Event\", \"apiVersion\": \"audit.k8s.io/v2\", \"auditID\": \"x\", \"stage\": \"ResponseComplete\", \"verb\": \"get\"}",
                    "[1, 2]") + "\n");
            Path pretty = dir.resolve("eventlist.json");
            Files.writeString(pretty, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(
                    AuditFixture.eventList(List.of(request("create", "clusterrolebindings", null, "pwn").requestObject(Map.of("roleRef",
                            Map.of("kind", "ClusterRole", "name", "cluster-admin"), "subjects", List.of(Map.of("kind", "User", "name", "mallory")))))))));
            CommandLineTest.Result r = CommandLineTest.vigil("replay", "--rules", FalcoRuleFiles.k8sAudit().toString(), "--fold", "0",
                    lines.toString(), pretty.toString());
            assertEquals(1, r.status(), "two lines are not audit events: " + r.err());
            assertTrue(r.err().contains(lines + ":6: apiVersion is not audit.k8s.io/v1 or v1beta1; skipped"), r.err());
            assertTrue(r.err().contains(lines + ":7: a JSON array, not an event object (nor audit events: item 0 is not an object); skipped"), r.err());
            assertTrue(r.err().contains("replayed 7 events (2 lines skipped)"), r.err());
            List<JsonNode> alerts = new ArrayList<>();
            for (String l : r.out().lines().toList()) {
                alerts.add(JSON.readTree(l));
            }
            for (String secret : List.of("v1", "beta", "bare", "in-array")) {
                assertTrue(alerts.stream().anyMatch(a -> a.get("rule").asText().equals("K8s Secret Get Successfully")
                        && a.get("priority").asText().equals("ERROR") && a.get("output").asText().contains("secret=" + secret)), secret + ": " + r.out());
            }
            assertTrue(alerts.stream().anyMatch(a -> a.get("rule").asText().equals("K8s Namespace Deleted")
                    && a.get("priority").asText().equals("INFORMATIONAL")), r.out());
            assertTrue(alerts.stream().anyMatch(a -> a.get("rule").asText().equals("Create Disallowed Namespace")
                    && a.get("output").asText().contains("ns=miner")), r.out());
            assertTrue(alerts.stream().anyMatch(a -> a.get("rule").asText().equals("Attach to cluster-admin Role")
                    && a.get("output").asText().contains("\"name\":\"mallory\"")), r.out());

            // what the agent stored or alerted on replays too: the event as Vigil wrote it, with the audit event inside
            JsonNode stored = alerts.stream().filter(a -> a.get("rule").asText().equals("Attach to cluster-admin Role")).findFirst().orElseThrow()
                    .get("events").get(0);
            Path again = dir.resolve("stored.jsonl");
            Files.writeString(again, JSON.writeValueAsString(stored) + "\n");
            CommandLineTest.Result r2 = CommandLineTest.vigil("replay", "--rules", FalcoRuleFiles.k8sAudit().toString(), again.toString());
            assertEquals(0, r2.status(), r2.err());
            assertTrue(r2.out().contains("Attach to cluster-admin Role"), r2.out());
        } finally {
            K8sAuditLiveTest.deleteTree(dir);
        }
    }
}
