package dev.vigil.detect;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** One attack, one alert per rule: repeats in the process tree or terminal session fold into the first alert. */
class FoldingTest {
    private static final String RULES = """
            - rule: Shell on a socket
              condition: evt.type = execve and proc.name in (sh, bash) and stdin startswith "socket:"
              output: shell %proc.pid
            - rule: Burst
              condition: evt.type = connect
              output: x
            """;

    private static final long S = 1_000_000_000L;

    /** An exec of `comm` by pid (started at pid*10) whose ancestors are the given pids, nearest first. */
    private static Map<String, Object> exec(long ts, String comm, long pid, String sid, long... ancestors) {
        Map<String, Object> e = new HashMap<>();
        e.put("event", "execve");
        e.put("ts", ts);
        e.put("nodename", "h");
        e.put("comm", comm);
        e.put("pid", pid);
        e.put("start_time", pid * 10);
        e.put("sid", Long.parseLong(sid));
        e.put("stdin", "socket:[7]");
        List<Map<String, Object>> nodes = new ArrayList<>();
        nodes.add(Map.of("pid", pid, "start", pid * 10, "comm", comm));
        for (long a : ancestors) {
            nodes.add(Map.of("pid", a, "start", a * 10, "comm", "sh"));
        }
        e.put("ancestors", nodes);
        return e;
    }

    @Test
    void subshellsOfOneReverseShellAreOneAlertAndACount() {
        List<Alert> out = new ArrayList<>();
        Engine engine = new Engine(RuleLoader.loadText("t.yaml", RULES), out::add, Engine::lineageFromTree);
        engine.accept(exec(1 * S, "bash", 100, "50", 99, 1));
        for (int i = 0; i < 22; i++) {
            engine.accept(exec((2 + i) * S / 10 + S, "sh", 200 + i, "50", 100, 99, 1)); // children of the first shell
        }
        engine.accept(exec(3 * S, "sh", 300, "50", 250, 100, 99, 1)); // a grandchild
        engine.accept(exec(4 * S, "sh", 400, "77", 398, 1)); // another tree, another session: its own alert
        assertEquals(List.of("rule", "rule"), out.stream().map(Alert::kind).toList());
        assertEquals(23, engine.folded());
        engine.flush();
        Alert folded = out.get(2);
        assertEquals("folded", folded.kind());
        assertEquals(out.getFirst().id(), folded.extra().get("folded_into"));
        assertEquals(23L, folded.extra().get("count"));
    }

    @Test
    void aRepeatAfterTheWindowIsANewAlertAndTheFirstWindowIsReported() {
        List<Alert> out = new ArrayList<>();
        Engine engine = new Engine(RuleLoader.loadText("t.yaml", RULES), out::add, Engine::lineageFromTree).fold(Duration.ofSeconds(10));
        engine.accept(exec(1 * S, "bash", 100, "50", 1));
        engine.accept(exec(2 * S, "sh", 101, "50", 100, 1));
        engine.accept(exec(20 * S, "sh", 102, "50", 100, 1));
        assertEquals(List.of("rule", "folded", "rule"), out.stream().map(Alert::kind).toList());
        assertEquals(1L, out.get(1).extra().get("count"));
    }

    @Test
    void foldingOffRaisesEveryMatch() {
        List<Alert> out = new ArrayList<>();
        Engine engine = new Engine(RuleLoader.loadText("t.yaml", RULES), out::add, Engine::lineageFromTree).fold(Duration.ZERO);
        engine.accept(exec(1 * S, "bash", 100, "50", 1));
        engine.accept(exec(2 * S, "sh", 101, "50", 100, 1));
        engine.flush();
        assertEquals(List.of("rule", "rule"), out.stream().map(Alert::kind).toList());
    }

    @Test
    void aReusedPidIsNotTheSameProcess() {
        List<Alert> out = new ArrayList<>();
        Engine engine = new Engine(RuleLoader.loadText("t.yaml", RULES), out::add, Engine::lineageFromTree);
        engine.accept(exec(1 * S, "bash", 100, "50", 1));
        Map<String, Object> reused = exec(2 * S, "sh", 100, "60", 1);
        reused.put("start_time", 999L);
        reused.put("ancestors", List.of(Map.of("pid", 100L, "start", 999L, "comm", "sh"), Map.of("pid", 1L, "start", 10L, "comm", "init")));
        engine.accept(reused);
        assertEquals(2, out.size());
    }

    @Test
    void kubernetesRequestsFoldByUserAndCluster() {
        List<Alert> out = new ArrayList<>();
        Engine engine = new Engine(RuleLoader.loadText("k.yaml", """
                - rule: Secret read
                  condition: ka.target.resource = secrets
                  output: "%ka.user.name read %ka.target.name"
                  source: k8s_audit
                """), out::add, Engine::lineageFromTree);
        for (String user : List.of("mallory", "mallory", "mallory", "alice")) {
            for (int i = 0; i < 2; i++) {
                var fixture = dev.vigil.k8saudit.AuditFixture.request("get", "secrets", "shop", "s" + out.size() + i).user(user);
                Map<String, Object> e = dev.vigil.k8saudit.AuditEvents.event(fixture.raw(), "h", i == 0 ? "prod" : "staging");
                engine.accept(e);
            }
        }
        // one alert per user and cluster: mallory@prod, mallory@staging, alice@prod, alice@staging; mallory's repeats folded
        assertEquals(List.of("mallory", "mallory", "alice", "alice"), out.stream().map(a -> a.output().split(" ")[0]).toList());
        assertEquals(4, engine.folded());
    }
}
