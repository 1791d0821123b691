package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One story from the HTTP request to the socket: a Java handler's reverse shell, in the console's
 * attack graph, is the request, the handler that served it, the shell it started and the peer the
 * shell talks to; a RASP alert that never reached the kernel (a JNDI lookup) hangs off the JVM.
 */
class JvmRaspConsoleTest {
    @Test
    void requestHandlerProcessSocketInOneGraph() throws Exception {
        AgentProcess.requireRoot();
        try (TempDir work = TempDir.create("vigil-rasp-console"); VulnerableJvm app = VulnerableJvm.start(VulnerableJvm.JAVA_17, null)) {
            List<String> args = new ArrayList<>(List.of("--data", work.path().resolve("data").toString(), "--listen", "127.0.0.1:0", "--fold", "0",
                    "--rasp=on"));
            args.addAll(List.of(JvmRaspLiveTest.EXCLUDE_BUILD));
            try (AgentProcess agent = AgentProcess.start(args.toArray(String[]::new));
                 ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                app.awaitState(j -> j.path("status").asText().equals("attached") && j.path("connected").asBoolean(), "attached");
                app.reverseShellTo(listener);
                try (Socket s = listener.accept()) {
                    agent.await("Reverse shell", x -> x.path("events").path(0).path("jvm_pid").asLong() == app.pid());
                    s.getOutputStream().write("exit\n".getBytes());
                }
                JsonNode graph = agent.console().graphOf("Reverse shell", "sh -i");
                JsonNode request = node(graph, "http_request", "GET /exec?cmd=");
                JsonNode handler = node(graph, "java_handler", "dev.vigil.testapp.VulnerableApp");
                JsonNode sh = null;
                for (JsonNode n : graph.path("nodes")) {
                    if (n.path("kind").asText().equals("process") && n.path("rules").toString().contains("Reverse shell")) {
                        sh = n;
                    }
                }
                assertNotNull(sh, graph.toString());
                assertTrue(edge(graph, request.path("id").asText(), handler.path("id").asText()), "request → handler: " + graph.path("edges"));
                assertTrue(edge(graph, handler.path("id").asText(), sh.path("id").asText()), "handler → shell: " + graph.path("edges"));
                assertTrue(edge(graph, sh.path("id").asText(), "peer:127.0.0.1:" + listener.getLocalPort()), "shell → socket: " + graph.path("edges"));

                app.get("/jndi?name=" + VulnerableJvm.encode("ldap://127.0.0.1:1/vigil-console"));
                JsonNode jndi = agent.console().graphOf("JNDI lookup of a remote URL", "vigil-console");
                JsonNode jndiHandler = node(jndi, "java_handler", "dev.vigil.testapp.VulnerableApp");
                boolean onJvm = false;
                for (JsonNode e : jndi.path("edges")) {
                    onJvm |= e.path("from").asText().equals(jndiHandler.path("id").asText()) && e.path("label").asText().startsWith("jvm_jndi ldap://");
                }
                assertTrue(onJvm, "handler → the JVM, labelled by the lookup: " + jndi.path("edges"));
            }
        }
    }

    private static JsonNode node(JsonNode graph, String kind, String labelStart) {
        for (JsonNode n : graph.path("nodes")) {
            if (n.path("kind").asText().equals(kind) && n.path("label").asText().startsWith(labelStart)) {
                return n;
            }
        }
        throw new AssertionError("no " + kind + " node '" + labelStart + "…' in " + graph.path("nodes"));
    }

    private static boolean edge(JsonNode graph, String from, String to) {
        for (JsonNode e : graph.path("edges")) {
            if (e.path("from").asText().equals(from) && e.path("to").asText().equals(to)) {
                return true;
            }
        }
        return false;
    }
}
