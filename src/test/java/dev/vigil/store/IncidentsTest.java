package dev.vigil.store;

import dev.vigil.detect.Alert;
import dev.vigil.detect.Priority;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Alerts of one attack are one incident: the same story below the entry point it came through. */
class IncidentsTest {
    private static final long S = 1_000_000_000L;

    /** An event of pid with ancestors given as pid/comm pairs, nearest first (start = pid * 10). */
    private static Map<String, Object> event(long pid, String comm, Object... up) {
        List<Map<String, Object>> nodes = new ArrayList<>();
        nodes.add(Map.of("pid", pid, "start", pid * 10, "comm", comm));
        for (int i = 0; i < up.length; i += 2) {
            long p = ((Number) up[i]).longValue();
            nodes.add(Map.of("pid", p, "start", p * 10, "comm", up[i + 1]));
        }
        return Map.of("nodename", "h", "pid", pid, "ancestors", nodes, "exec_id", "h:" + pid * 10 + ":" + pid);
    }

    private static Alert alert(String id, long ts, String rule, Priority p, String technique, Map<String, Object> e) {
        return new Alert(id, ts, rule, "rule", p, List.of(technique), rule, "h", List.of(e), List.of(), Map.of());
    }

    @Test
    void aReverseShellItsCommandsAndItsPersistenceAreOneIncident() {
        Incidents inc = new Incidents();
        // nginx (entry point) → sh (the web shell) → bash -i on a socket → its subshells and commands
        var first = inc.assign(alert("a0", S, "Shell spawned by a server process", Priority.CRITICAL, "T1505.003",
                event(500, "sh", 400, "nginx", 1, "systemd")));
        for (int i = 0; i < 23; i++) {
            assertSame(first, inc.assign(alert("r" + i, 2 * S + i, "Reverse shell", Priority.CRITICAL, "T1059.004",
                    event(600 + i, "sh", 501, "bash", 500, "sh", 400, "nginx", 1, "systemd"))));
        }
        assertSame(first, inc.assign(alert("p", 3 * S, "Persistence location written", Priority.CRITICAL, "T1543.002",
                event(700, "tee", 501, "bash", 500, "sh", 400, "nginx", 1, "systemd"))));
        assertEquals(25, first.alertCount());
        assertEquals("Shell spawned by a server process", first.title());
        assertEquals(List.of("T1059.004", "T1505.003", "T1543.002"), List.copyOf(first.techniques()));
        // a folded repeat counts in the incident of the alert it folded into
        inc.assign(new Alert("f", 4 * S, "Reverse shell", "folded", Priority.CRITICAL, List.of(), "", "h", List.of(), List.of(),
                Map.of("folded_into", "r0", "count", 22L)));
        assertEquals(47, first.alertCount());
        // a second web shell through the same nginx is another story: another incident
        var second = inc.assign(alert("b0", 5 * S, "Shell spawned by a server process", Priority.CRITICAL, "T1505.003",
                event(900, "sh", 400, "nginx", 1, "systemd")));
        assertNotEquals(first, second);
        // long after, the same processes start a new incident
        var later = inc.assign(alert("c0", 5 * S + Incidents.WINDOW_NS + S, "Reverse shell", Priority.CRITICAL, "T1059.004",
                event(601, "sh", 501, "bash", 500, "sh", 400, "nginx", 1, "systemd")));
        assertNotEquals(first, later);
    }

    @Test
    void aDownloadItsChmodAndItsExecutionAreOneIncident() {
        Incidents inc = new Incidents();
        // sshd (entry) → bash (the login) → curl, chmod, and the payload: one login session, one story
        var a = inc.assign(alert("d", S, "Downloaded or copied file run from a temporary directory", Priority.WARNING, "T1105",
                event(300, "payload", 200, "bash", 100, "sshd", 1, "systemd")));
        var b = inc.assign(alert("e", 2 * S, "Set-uid or set-gid bit set", Priority.CRITICAL, "T1548.001",
                event(301, "chmod", 200, "bash", 100, "sshd", 1, "systemd")));
        assertSame(a, b);
        assertEquals("Set-uid or set-gid bit set", a.title()); // the highest priority names it
        assertEquals(Priority.CRITICAL, a.severity());
    }

    @Test
    void aKubernetesExecAndWhatRanInThatPodAreOneIncidentWhicheverComesFirst() {
        Incidents inc = new Incidents();
        Map<String, Object> shell = new java.util.HashMap<>(event(700, "nc", 690, "sh", 680, "runc", 1, "systemd"));
        shell.put("k8s_pod_name", "web-1");
        shell.put("k8s_ns_name", "shop");
        // the shell's alert first: the API server's webhook batches, so the exec's audit event may come later
        var a = inc.assign(alert("n", S, "Netcat or socat running a program on a socket", Priority.CRITICAL, "T1059.004", shell));
        Map<String, Object> exec = Map.of("event", "k8s_audit", "resource", "pods", "subresource", "exec", "target_namespace", "shop",
                "target_name", "web-1", "k8s_user", "alice", "nodename", "control-plane");
        var b = inc.assign(new Alert("x", 2 * S, "Attach/Exec Pod", "rule", Priority.NOTICE, List.of("T1609"), "", "control-plane",
                List.of(exec), List.of(), Map.of()));
        assertSame(a, b);
        assertEquals(List.of("shop/web-1"), List.copyOf(a.pods));
        // the same pod name in another namespace is another pod
        Map<String, Object> other = new java.util.HashMap<>(Map.of("event", "k8s_audit", "resource", "pods", "subresource", "exec",
                "target_namespace", "billing", "target_name", "web-1", "nodename", "control-plane"));
        assertNotEquals(a, inc.assign(new Alert("y", 3 * S, "Attach/Exec Pod", "rule", Priority.NOTICE, List.of("T1609"), "", "control-plane",
                List.of(other), List.of(), Map.of())));
        // a request that is not an exec or attach into a pod joins nothing by its pod
        Map<String, Object> get = Map.of("event", "k8s_audit", "resource", "pods", "target_namespace", "shop", "target_name", "web-1",
                "nodename", "control-plane");
        assertNotEquals(a, inc.assign(new Alert("z", 4 * S, "K8s Pod read", "rule", Priority.NOTICE, List.of("T1613"), "", "control-plane",
                List.of(get), List.of(), Map.of())));
    }
}
