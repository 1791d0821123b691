package dev.vigil.detect;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rule language: operators, lists, macros, exceptions, append/override, and located errors. */
class RuleLanguageTest {
    private static Map<String, Object> exec(String comm, String exe, List<String> args) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("event", "execve");
        e.put("comm", comm);
        e.put("exe", exe);
        e.put("args", args);
        e.put("pid", 42L);
        e.put("uid", 1000L);
        e.put("ts", 1L);
        e.put("res", 0L);
        e.put("pid_tree", "42." + comm + "<7.bash<1.systemd");
        return e;
    }

    private static Condition compile(String yaml, String rule) {
        RuleSet set = RuleLoader.loadText("t.yaml", yaml);
        assertEquals(List.of(), set.errors());
        return ((Rule) set.detections().stream().filter(d -> d.name().equals(rule)).findFirst().orElseThrow()).condition();
    }

    private static boolean matches(String condition, Map<String, Object> e) {
        return compile("- list: shells\n  items: [sh, bash]\n- rule: r\n  condition: " + condition + "\n  output: x\n", "r").test(e);
    }

    @Test
    void operators() {
        var e = exec("bash", "/usr/bin/bash", List.of("bash", "-c", "curl http://x | sh"));
        assertTrue(matches("evt.type = execve and proc.name in (shells)", e));
        assertTrue(matches("proc.name = bash", e));
        assertFalse(matches("proc.name != bash", e));
        assertTrue(matches("proc.cmdline contains \"curl http\"", e));
        assertTrue(matches("proc.cmdline icontains CURL", e));
        assertTrue(matches("proc.exe startswith /usr/bin and proc.exe endswith bash", e));
        assertTrue(matches("proc.exe glob '/usr/*/ba?h'", e));
        assertTrue(matches("proc.exe pmatch (/usr/bin, /opt)", e));
        assertFalse(matches("proc.exe pmatch (/usr/b)", e));
        assertTrue(matches("proc.cmdline regex 'curl .*\\| *sh'", e));
        assertTrue(matches("user.uid >= 1000 and user.uid < 1001 and user.uid <= 1000 and user.uid > 999", e));
        assertTrue(matches("args intersects (-c, -x)", e));
        assertTrue(matches("proc.pname = bash and proc.aname[2] = systemd and proc.apid[1] = 7", e));
        assertTrue(matches("not (proc.name = sh or proc.name = zsh)", e));
        assertTrue(matches("proc.exe exists and not ld_preload exists", e));
    }

    @Test
    void macrosListsAppendAndOverride() {
        String yaml = """
                - list: bins
                  items: [curl]
                - list: bins
                  items: [wget]
                  append: true
                - macro: downloader
                  condition: proc.name in (bins)
                - rule: r
                  condition: downloader
                  output: "%proc.name ran"
                  priority: notice
                - rule: r
                  condition: and user.uid = 0
                  override:
                    condition: append
                """;
        Condition c = compile(yaml, "r");
        Map<String, Object> wget = exec("wget", "/usr/bin/wget", List.of("wget"));
        assertFalse(c.test(wget));
        wget.put("uid", 0L);
        assertTrue(c.test(wget));
    }

    @Test
    void exceptions() {
        String yaml = """
                - rule: r
                  condition: evt.type = execve
                  output: x
                  exceptions:
                    - name: known
                      fields: [proc.name, proc.exe]
                      comps: [=, startswith]
                      values:
                        - [bash, /usr/bin]
                    - name: single
                      fields: proc.name
                      values: [zsh, fish]
                """;
        Condition c = compile(yaml, "r");
        assertFalse(c.test(exec("bash", "/usr/bin/bash", List.of("bash"))));
        assertTrue(c.test(exec("bash", "/tmp/bash", List.of("bash"))));
        assertFalse(c.test(exec("zsh", "/tmp/zsh", List.of("zsh"))));
    }

    @Test
    void outputSubstitutesFields() {
        RuleSet set = RuleLoader.loadText("t.yaml", "- rule: r\n  condition: evt.type = execve\n  output: \"%proc.name (%{proc.pid}) ran %proc.cmdline, tty=%proc.tty\"\n");
        assertEquals("bash (42) ran bash -c id, tty=0", set.detections().getFirst().output().render(exec("bash", "/usr/bin/bash",
                List.of("bash", "-c", "id"))));
    }

    @Test
    void anUnknownFieldSkipsOnlyThatRuleWithItsLocation() {
        String yaml = """
                - rule: good
                  condition: proc.name = bash
                  output: x
                - rule: bad
                  condition: proc.name = bash and proc.made_up = x
                  output: x
                """;
        RuleSet set = RuleLoader.loadText("t.yaml", yaml);
        assertEquals(1, set.detections().size());
        assertEquals(1, set.errors().size());
        RuleException err = set.errors().getFirst();
        assertEquals(5, err.line());
        assertEquals(35, err.column());
        assertTrue(err.getMessage().contains("proc.made_up"), err.getMessage());
        assertTrue(err.getMessage().startsWith("t.yaml:5:35:"), err.getMessage());
    }

    @Test
    void syntaxErrorsSayWhereAndWhatWasExpected() {
        RuleSet set = RuleLoader.loadText("s.yaml", "- rule: r\n  condition: (proc.name = bash\n  output: x\n");
        assertEquals(1, set.errors().size());
        assertTrue(set.errors().getFirst().getMessage().contains("expected ')'"), set.errors().getFirst().getMessage());
        assertEquals(2, set.errors().getFirst().line());

        RuleSet yamlError = RuleLoader.loadText("y.yaml", "- rule: r\n  condition: [unclosed\n");
        assertEquals(1, yamlError.errors().size());
        assertTrue(yamlError.errors().getFirst().getMessage().startsWith("y.yaml:"), yamlError.errors().getFirst().getMessage());

        RuleSet unknownOp = RuleLoader.loadText("o.yaml", "- rule: r\n  condition: proc.name ~ bash\n  output: x\n");
        assertFalse(unknownOp.clean());
    }

    @Test
    void thresholdAndSequence() {
        String yaml = """
                - threshold: many
                  condition: evt.type = connect
                  group_by: [proc.pid]
                  distinct: fd.dport
                  count: 3
                  window: 10s
                  output: "%proc.pid scanned"
                - sequence: chain
                  window: 5s
                  steps:
                    - condition: evt.type = create_file
                      key: fd.name
                    - condition: evt.type = execve
                      key: proc.exe
                  output: chain
                """;
        RuleSet set = RuleLoader.loadText("t.yaml", yaml);
        assertEquals(List.of(), set.errors());
        List<Alert> alerts = new ArrayList<>();
        Engine engine = new Engine(set, alerts::add, Engine::lineageFromTree);
        for (int port = 1; port <= 3; port++) {
            engine.accept(Map.of("event", "connect", "pid", 5L, "dport", (long) port, "dip", "10.0.0.1", "ts", (long) port * 1_000_000_000L));
        }
        assertEquals(List.of("many"), alerts.stream().map(Alert::rule).toList());
        assertEquals(3L, alerts.getFirst().extra().get("distinct_count"));

        alerts.clear();
        engine.accept(Map.of("event", "create_file", "pid", 5L, "file_path", "/tmp/a", "ts", 10_000_000_000L));
        engine.accept(Map.of("event", "execve", "pid", 6L, "exe", "/tmp/b", "ts", 11_000_000_000L));
        assertTrue(alerts.isEmpty(), "different file: no chain");
        engine.accept(Map.of("event", "execve", "pid", 6L, "exe", "/tmp/a", "ts", 20_000_000_000L));
        assertTrue(alerts.isEmpty(), "outside the window: no chain");
        engine.accept(Map.of("event", "create_file", "pid", 5L, "file_path", "/tmp/c", "ts", 30_000_000_000L));
        engine.accept(Map.of("event", "execve", "pid", 6L, "exe", "/tmp/c", "ts", 31_000_000_000L));
        assertEquals(List.of("chain"), alerts.stream().map(Alert::rule).toList());
        assertEquals(2, alerts.getFirst().events().size());
    }

    @Test
    void environmentFields() {
        Map<String, Object> e = exec("true", "/usr/bin/true", List.of("true"));
        e.put("env", List.of("HOME=/root", "GLIBC_TUNABLES=glibc.tune.x=1", "EMPTY="));
        assertTrue(matches("proc.env[GLIBC_TUNABLES] startswith glibc.tune", e));
        assertTrue(matches("proc.env.HOME = /root", e));
        assertTrue(matches("proc.env contains 'GLIBC_TUNABLES='", e));
        assertTrue(!matches("proc.env[PATH] exists", e));
        e.put("ld_preload", "/tmp/x.so");
        assertTrue(matches("proc.env.LD_PRELOAD = /tmp/x.so", e), "LD_PRELOAD from the kernel's whole-environment search");
    }
}
