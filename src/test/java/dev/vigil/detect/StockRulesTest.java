package dev.vigil.detect;

import dev.vigil.cli.StockPack;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.yaml.snakeyaml.Yaml;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every stock detection fires on its positive cases and stays quiet on its negative ones (src/test/resources/rule-cases.yaml). */
class StockRulesTest {
    static RuleSet stock() {
        return RuleLoader.load(List.of(StockPack.path()));
    }

    @Test
    void theStockPackLoadsCleanAndEveryDetectionIsTagged() {
        RuleSet set = stock();
        assertEquals(List.of(), set.errors());
        for (Detection d : set.detections()) {
            assertTrue(d.tags().stream().anyMatch(t -> t.matches("T\\d{4}(\\.\\d{3})?")), d.name() + " has a MITRE technique tag");
        }
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> cases() throws Exception {
        try (InputStream in = StockRulesTest.class.getResourceAsStream("/rule-cases.yaml")) {
            return new Yaml().load(in);
        }
    }

    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> eachDetectionHasAPositiveAndANegativeCase() throws Exception {
        RuleSet set = stock();
        Set<String> covered = new HashSet<>();
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> c : cases()) {
            String name = (String) c.get("detection");
            covered.add(name);
            assertTrue(set.detections().stream().anyMatch(d -> d.name().equals(name)), "no stock detection named " + name);
            List<Object> pos = (List<Object>) c.get("positive"), neg = (List<Object>) c.get("negative");
            assertFalse(pos == null || pos.isEmpty() || neg == null || neg.isEmpty(), name + " needs both cases");
            int i = 0;
            for (Object p : pos) {
                int n = ++i;
                tests.add(DynamicTest.dynamicTest(name + " fires (case " + n + ")",
                        () -> assertTrue(fired(set, name, events(p)), name + " should fire on case " + n)));
            }
            i = 0;
            for (Object q : neg) {
                int n = ++i;
                tests.add(DynamicTest.dynamicTest(name + " stays quiet (case " + n + ")",
                        () -> assertFalse(fired(set, name, events(q)), name + " should not fire on case " + n)));
            }
        }
        for (Detection d : set.detections()) {
            assertTrue(covered.contains(d.name()), d.name() + " has no test cases");
        }
        return tests.stream();
    }

    /**
     * A case is a list of events, or "scan:N" / "brute:N" / "sshflood:N" for N generated connections,
     * or {repeat: N, vary: FIELD, event: {…}}: N copies with FIELD numbered (a number plus k, or text
     * plus k; FIELD may be a dotted path into an audit event, such as objectRef.name). An event
     * written as a Kubernetes audit event (auditID, stage, verb) is read as the webhook reads one.
     */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> events(Object c) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (c instanceof Map<?, ?> gen && gen.get("repeat") instanceof Number n) {
            String vary = (String) gen.get("vary");
            Map<String, Object> base = (Map<String, Object>) gen.get("event");
            for (int k = 0; k < n.intValue(); k++) {
                Map<String, Object> e = deepCopy(base);
                if (vary != null) {
                    String[] path = vary.split("\\.");
                    Map<String, Object> at = e;
                    for (int i = 0; i < path.length - 1; i++) {
                        at = (Map<String, Object>) at.get(path[i]);
                    }
                    Object was = at.get(path[path.length - 1]);
                    at.put(path[path.length - 1], was instanceof Number b ? (Object) (b.longValue() + k) : was + String.valueOf(k));
                }
                out.add(event(e));
            }
            return out;
        }
        if (c instanceof String gen) {
            String[] p = gen.split(":");
            int n = Integer.parseInt(p[1]);
            for (int k = 0; k < n; k++) {
                Map<String, Object> e = new LinkedHashMap<>();
                switch (p[0]) {
                    case "scan" -> {
                        e.putAll(Map.of("event", "connect", "comm", "nmap", "exe", "/usr/bin/nmap", "dip", "10.0.0.9"));
                        e.put("dport", 1000L + k);
                        e.put("res", -111L);
                    }
                    case "brute" -> e.putAll(Map.of("event", "connect", "comm", "hydra", "exe", "/usr/bin/hydra", "dip", "10.0.0.9",
                            "dport", 22L));
                    default -> e.putAll(Map.of("event", "execve", "comm", "sshd", "exe", "/usr/sbin/sshd", "dip", "10.6.6.6",
                            "args", List.of("/usr/sbin/sshd", "-D", "-R"), "stdin", "socket:[9]"));
                }
                e.put("sa_family", 2L);
                if (!p[0].equals("sshflood")) {
                    e.put("pid", 1234L);
                } else {
                    e.put("pid", 3000L + k);
                }
                out.add(e);
            }
            return out;
        }
        for (Object e : (List<Object>) c) {
            out.add(event((Map<String, Object>) e));
        }
        return out;
    }

    private static Map<String, Object> event(Map<String, Object> written) {
        if (dev.vigil.k8saudit.AuditEvents.isAudit(written)) {
            var batch = dev.vigil.k8saudit.AuditEvents.read(written, "test", "test-cluster", 1);
            assertEquals(null, batch.problem(), "the case's audit event: " + written);
            return batch.events().get(0);
        }
        return EventMaps.normalise(written);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> deepCopy(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v instanceof Map<?, ?> inner ? deepCopy((Map<String, Object>) inner) : v));
        return out;
    }

    static boolean fired(RuleSet set, String name, List<Map<String, Object>> events) {
        List<Alert> alerts = new ArrayList<>();
        Engine engine = new Engine(set, alerts::add, Engine::lineageFromTree);
        long ts = 1_700_000_000_000_000_000L;
        for (Map<String, Object> e : events) {
            Map<String, Object> full = new LinkedHashMap<>(e);
            if ("k8s_audit".equals(full.get("event"))) { // a Kubernetes request: no process header to fill
                engine.accept(full);
                continue;
            }
            full.putIfAbsent("ts", ts += 1_000_000L);
            full.putIfAbsent("nodename", "test");
            full.putIfAbsent("pid", 1000L);
            full.putIfAbsent("ppid", 999L);
            full.putIfAbsent("uid", 1000L);
            full.putIfAbsent("euid", full.get("uid"));
            full.putIfAbsent("res", 0L);
            full.putIfAbsent("in_container", false);
            full.putIfAbsent("container_id", "");
            if (full.get("args") instanceof List<?> args && !full.containsKey("argv")) {
                full.put("argv", String.join(" ", (List<String>) args));
            }
            engine.accept(full);
        }
        return alerts.stream().anyMatch(a -> a.rule().equals(name));
    }
}
