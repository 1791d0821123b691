package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.detect.FalcoRuleFiles;
import dev.vigil.enrich.RealDocker;
import dev.vigil.k8saudit.AuditFixture;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static dev.vigil.k8saudit.AuditFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cluster joined to the host, with a real container: a container labelled as the kubelet
 * labels a pod's (docker.io here), an API server's `pods/exec` audit event for that pod, and the
 * exec itself starting a netcat that hands a shell to a socket. The alert on the Kubernetes request
 * and the alert on the process become one incident, and its graph runs from the Kubernetes user,
 * through the pod, to the process.
 */
class K8sExecJoinTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void aKubectlExecAndTheShellItStartedAreOneIncidentFromTheUserToTheProcess() throws Exception {
        AgentProcess.requireRoot();
        try (TempDir data = TempDir.create("vigil-k8s-join"); RealDocker docker = RealDocker.start()) {
            // the pod's sandbox carries the pod's labels; the app container names its sandbox, as cri-dockerd labels them
            String sandbox = docker.run(List.of("--label", "io.kubernetes.docker.type=podsandbox", "--label", "io.kubernetes.pod.name=web-1",
                    "--label", "io.kubernetes.pod.namespace=shop", "--label", "app=web", "--label", "tier=front"), RealDocker.IMAGE, "sleep", "600");
            String pod = docker.run(List.of("--label", "io.kubernetes.pod.name=web-1", "--label", "io.kubernetes.pod.namespace=shop",
                    "--label", "io.kubernetes.container.name=web", "--label", "io.kubernetes.sandbox.id=" + sandbox), RealDocker.IMAGE, "sleep", "600");
            try (AgentProcess agent = AgentProcess.start("--add-rules", "--rules", FalcoRuleFiles.k8sAudit().toString(),
                    "--k8s-audit", "127.0.0.1:0", "--k8s-audit-insecure", "--cluster", "prod", "--data", data.path().toString(),
                    "--listen", "127.0.0.1:0")) {
                String hook = agent.stderr.stream().filter(l -> l.startsWith("vigil: Kubernetes audit webhook ")).findFirst().orElseThrow().split(" ")[4];
                // what the API server records for `kubectl exec -it web-1 -n shop -- sh`; its webhook may deliver it after the shell started
                // stamped now: an incident closes 30 minutes after its last alert, by the alerts' own times
                String now = java.time.Instant.now().toString();
                AuditFixture exec = request("create", "pods", "shop", "web-1").subresource("exec").stage("ResponseStarted")
                        .uri("/api/v1/namespaces/shop/pods/web-1/exec?command=sh&container=web&stdin=true&tty=true")
                        .set("requestReceivedTimestamp", now).set("stageTimestamp", now);
                // by its path: busybox's sh runs an applet named bare in a fork without an exec (a route of its own)
                RealDocker.Result ran = docker.exec(pod, "sh", "-c", "/bin/nc 127.0.0.1 9 -e /bin/sh; echo vigil-join-done");
                assertTrue(ran.out().contains("vigil-join-done"), ran.out());
                HttpResponse<String> ok = HTTP.send(HttpRequest.newBuilder(URI.create(hook)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(AuditFixture.eventList(List.of(exec)))).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, ok.statusCode(), ok.body());

                JsonNode shell = agent.await("Netcat or socat running a program on a socket", a -> a.path("output").asText().contains("127.0.0.1 9"));
                JsonNode event = shell.path("events").get(0);
                assertEquals("web-1", event.path("k8s_pod_name").asText(), "the container's pod, from its labels: " + event);
                assertEquals("shop", event.path("k8s_ns_name").asText(), event.toString());
                List<String> labels = new ArrayList<>();
                event.path("k8s_pod_labels").forEach(l -> labels.add(l.asText()));
                assertEquals(List.of("app:web", "tier:front"), labels.stream().sorted().toList(), "the pod's labels, from its sandbox: " + event);
                assertEquals(pod.substring(0, 12), event.path("container_id").asText().substring(0, 12), event.toString());
                JsonNode request = agent.await("Attach/Exec Pod", a -> a.path("output").asText().contains("pod=web-1"));

                AgentProcess.ConsoleClient console = agent.console();
                JsonNode incident = null;
                for (int i = 0; i < 100 && incident == null; i++) { // the store writes alerts in batches
                    for (JsonNode inc : console.get("/api/incidents")) {
                        JsonNode full = console.get("/api/incidents/" + inc.path("id").asText());
                        List<String> rules = new ArrayList<>();
                        full.path("alerts").forEach(a -> rules.add(a.path("rule").asText()));
                        if (rules.contains("Attach/Exec Pod") && rules.contains("Netcat or socat running a program on a socket")) {
                            incident = full;
                        }
                    }
                    if (incident == null) {
                        Thread.sleep(100);
                    }
                }
                assertTrue(incident != null, "one incident holds the exec request and the shell: " + console.get("/api/incidents")
                        + "; request " + request.path("id") + ", shell " + shell.path("id"));
                JsonNode graph = console.get("/api/incidents/" + incident.path("id").asText() + "/graph");
                List<String> edges = new ArrayList<>();
                graph.path("edges").forEach(e -> edges.add(e.path("from").asText() + " -" + e.path("label").asText() + "-> " + e.path("to").asText()));
                assertTrue(edges.contains("k8s:alice -kubectl exec: sh-> pod:shop/web-1"), "the user's exec into the pod: " + edges);
                String ncProcess = event.path("exec_id").asText();
                // from the pod down the spawned edges to the netcat
                java.util.Set<String> reached = new java.util.HashSet<>(List.of("pod:shop/web-1"));
                for (int hop = 0; hop < 8; hop++) {
                    for (JsonNode e : graph.path("edges")) {
                        if (reached.contains(e.path("from").asText())) {
                            reached.add(e.path("to").asText());
                        }
                    }
                }
                assertTrue(reached.contains(ncProcess), "a path from the pod to the netcat " + ncProcess + ": " + edges);
            }
        }
    }
}
