package dev.vigil.detect;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A comm can hold '<', dots and digits: ancestry comes from structured nodes, and a bad pid_tree never loses an alert. */
class AncestryTest {
    private static Map<String, Object> event(String comm, String tree, List<Map<String, Object>> ancestors) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("event", "execve");
        e.put("ts", 5L);
        e.put("pid", 42L);
        e.put("comm", comm);
        e.put("args", List.of(comm));
        e.put("pid_tree", tree);
        if (ancestors != null) {
            e.put("ancestors", ancestors);
        }
        return e;
    }

    private static Map<String, Object> node(long pid, String comm) {
        return Map.of("pid", pid, "comm", comm);
    }

    private static Condition condition(String c) {
        RuleSet set = RuleLoader.loadText("a.yaml", "- rule: r\n  condition: " + c + "\n  output: x\n");
        assertEquals(List.of(), set.errors());
        return ((Rule) set.detections().getFirst()).condition();
    }

    @Test
    void structuredAncestorsCannotBeForged() {
        // the process is called "x<1.sshd": the string form looks as if sshd (pid 1) were its parent
        var e = event("x<1.sshd", "42.x<1.sshd<7.bash<1.systemd", List.of(node(42, "x<1.sshd"), node(7, "bash"), node(1, "systemd")));
        assertTrue(condition("proc.aname[1] = bash and proc.apid[1] = 7 and proc.aname[2] = systemd").test(e));
        assertTrue(!condition("proc.pname = sshd or proc.aname[1] = sshd").test(e));
        assertEquals(List.of(42L, 7L, 1L), Engine.lineageFromTree(e).stream().map(m -> m.get("pid")).toList());
    }

    @Test
    void withoutStructuredNodesTheStringIsReadDefensively() {
        // the process's own comm is known, so its node is taken whole
        var forged = event("x<1.sshd", "42.x<1.sshd<7.bash<1.systemd", null);
        assertEquals(List.of(42L, 7L, 1L), Engine.lineageFromTree(forged).stream().map(m -> m.get("pid")).toList());
        assertTrue(condition("proc.aname[1] = bash").test(forged));
        // garbage never throws: what can be read is kept, the rest ignored
        for (String tree : List.of("", "<<<", "abc.x<zz", "42.", "42.x<", "99999999999999999999.x", "42.a<7", ".<.", "42.x<7.y<")) {
            var e = event("x", tree, null);
            Engine.lineageFromTree(e);
            condition("proc.aname[2] = y or proc.apid[1] = 7").test(e);
        }
    }

    @Test
    void aBrokenTreeNeverLosesTheAlert() {
        RuleSet set = RuleLoader.loadText("a.yaml", "- rule: r\n  condition: proc.name = x\n  output: x\n"
                + "- sequence: s\n  window: 10s\n  key: lineage\n  steps:\n    - condition: proc.name = x\n    - condition: proc.name = y\n  output: seq\n");
        assertEquals(List.of(), set.errors());
        List<Alert> out = new ArrayList<>();
        Engine engine = new Engine(set, out::add, Engine::lineageFromTree);
        engine.accept(event("x", "42.x<notanumber.y<1.init", null));
        Map<String, Object> child = event("y", "43.y<4x2.x<1", null);
        child.put("pid", 43L);
        engine.accept(child);
        assertEquals(1, out.size(), "the rule fired; the unreadable tree did not stop it");
        assertEquals(Map.of(), engine.ruleErrors());
    }
}
