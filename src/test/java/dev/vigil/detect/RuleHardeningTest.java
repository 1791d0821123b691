package dev.vigil.detect;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile rule files: every one ends in a located error or a working rule set, never a stack
 * trace, a hang or a silent surprise. The timeouts here only catch hangs (minutes on the old
 * engine); they are not speed claims.
 */
class RuleHardeningTest {
    private static final Duration HANG = Duration.ofSeconds(60);

    private static Map<String, Object> exec(String cmdline) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("event", "execve");
        e.put("comm", "sh");
        e.put("pid", 42L);
        e.put("ts", 1L);
        List<String> args = new ArrayList<>(List.of("sh"));
        args.addAll(List.of(cmdline.split(" ")));
        e.put("args", args);
        return e;
    }

    private static RuleSet load(String yaml) {
        return assertTimeoutPreemptively(HANG, () -> RuleLoader.loadText("h.yaml", yaml));
    }

    private static RuleException onlyError(RuleSet set) {
        assertEquals(1, set.errors().size(), set.errors().toString());
        RuleException e = set.errors().getFirst();
        assertTrue(e.getMessage().startsWith("h.yaml:") && e.line() > 0 && e.column() > 0, e.getMessage());
        return e;
    }

    private static String rule(String condition) {
        return "- rule: r\n  condition: " + condition + "\n  output: hit\n";
    }

    @Test
    void catastrophicRegexRunsInLinearTime() {
        RuleSet set = load(rule("proc.args regex '^(a+)+$'"));
        assertEquals(List.of(), set.errors());
        Condition c = ((Rule) set.detections().getFirst()).condition();
        Map<String, Object> e = exec("a".repeat(200) + "!");
        assertFalse(assertTimeoutPreemptively(HANG, () -> c.test(e)));
        assertTrue(c.test(exec("a".repeat(200))));
        // the same for globs, which were backtracking regexes underneath
        Condition g = ((Rule) load(rule("proc.args glob '" + "*a".repeat(30) + "*b'")).detections().getFirst()).condition();
        assertFalse(assertTimeoutPreemptively(HANG, () -> g.test(exec("a".repeat(400)))));
    }

    @Test
    void regexesThatCannotBeUsedAreLocated() {
        assertTrue(onlyError(load(rule("proc.cmdline regex '(unclosed'"))).reason().contains("bad regex: missing closing )"));
        RuleException bomb = onlyError(load(rule("proc.cmdline regex '((a{1000}){1000}){1000}'")));
        assertTrue(bomb.reason().contains("expands past"), bomb.getMessage());
        assertEquals(2, bomb.line());
        RuleException deep = onlyError(load(rule("proc.cmdline regex '" + "(".repeat(5000) + "a" + ")".repeat(5000) + "'")));
        assertTrue(deep.reason().contains("nest deeper"), deep.getMessage());
        RuleException huge = onlyError(load(rule("proc.cmdline regex '" + "a".repeat(100_000) + "'")));
        assertTrue(huge.reason().contains("characters"), huge.getMessage());
    }

    @Test
    void deepNestingIsALocatedErrorAndLongChainsEvaluateWithoutRecursion() {
        RuleException deep = onlyError(load(rule("(".repeat(10_000) + "proc.name = sh" + ")".repeat(10_000))));
        assertTrue(deep.reason().contains("nesting deeper than"), deep.getMessage());
        RuleException nots = onlyError(load(rule("not (".repeat(5_000) + "proc.name = sh" + ")".repeat(5_000))));
        assertTrue(nots.reason().contains("nesting deeper than"), nots.getMessage());

        String chain = String.join(" and ", java.util.Collections.nCopies(20_000, "proc.name = sh"));
        RuleSet set = load(rule(chain + " or " + String.join(" or ", java.util.Collections.nCopies(20_000, "proc.pid = 7"))));
        assertEquals(List.of(), set.errors());
        Condition c = ((Rule) set.detections().getFirst()).condition();
        assertTrue(c.test(exec("x")));
        Map<String, Object> other = exec("x");
        other.put("comm", "bash");
        assertFalse(c.test(other));
        // many 'not's in a row fold; they do not nest
        assertTrue(((Rule) load(rule("not ".repeat(10_000) + "proc.name = sh")).detections().getFirst()).condition().test(exec("x")));
    }

    @Test
    void macroExpansionBombNamesTheMacro() {
        StringBuilder y = new StringBuilder("- macro: m0\n  condition: proc.name = sh\n");
        for (int i = 1; i <= 40; i++) {
            y.append("- macro: m").append(i).append("\n  condition: (m").append(i - 1).append(" or m").append(i - 1).append(")\n");
        }
        y.append(rule("m40"));
        RuleException e = onlyError(load(y.toString()));
        assertTrue(e.reason().contains("macro 'm40'") && e.reason().contains("expands past"), e.getMessage());
    }

    @Test
    void yamlBooleansMeanWhatTheySay() {
        RuleSet yes = load("- rule: r\n  condition: proc.name = sh\n  output: x\n  enabled: yes\n");
        assertEquals(1, yes.detections().size(), "enabled: yes is enabled");
        RuleSet no = load("- rule: r\n  condition: proc.name = sh\n  output: x\n  enabled: no\n");
        assertEquals(0, no.detections().size());
        assertTrue(onlyError(load("- rule: r\n  condition: proc.name = sh\n  output: x\n  enabled: maybe\n")).reason()
                .contains("'enabled' must be true or false"));
        RuleSet appended = load("- list: l\n  items: [a]\n- list: l\n  items: [sh]\n  append: yes\n" + rule("proc.name in (l)"));
        assertEquals(List.of(), appended.errors());
        assertTrue(((Rule) appended.detections().getFirst()).condition().test(exec("x")), "append: yes appends");
    }

    @Test
    void duplicatesAreErrorsOrStatedReplacements() throws Exception {
        RuleException key = onlyError(load("- rule: r\n  condition: proc.name = sh\n  output: x\n  condition: proc.name = bash\n"));
        assertTrue(key.reason().contains("'condition' is given twice"), key.getMessage());
        assertEquals(4, key.line());

        RuleException name = onlyError(load(rule("proc.name = sh") + rule("proc.name = bash")));
        assertTrue(name.reason().contains("rule 'r' is already defined at h.yaml:1"), name.getMessage());

        // a later file may redefine (Falco's way to customise), and says so
        Path dir = Files.createTempDirectory("vigil-dup");
        Files.writeString(dir.resolve("a.yaml"), rule("proc.name = sh"));
        Files.writeString(dir.resolve("b.yaml"), rule("proc.name = bash"));
        RuleSet both = RuleLoader.load(List.of(dir));
        assertEquals(List.of(), both.errors());
        assertEquals(1, both.warnings().size());
        assertTrue(both.warnings().getFirst().getMessage().contains("replaces the one defined at " + dir.resolve("a.yaml") + ":1"));
    }

    @Test
    void unreadableAndNonUtf8FilesSayWhy() throws Exception {
        Path dir = Files.createTempDirectory("vigil-bytes");
        Path latin = dir.resolve("latin.yaml");
        Files.write(latin, ("- rule: r\n  desc: caf" + "\u00e9").getBytes(StandardCharsets.ISO_8859_1));
        RuleSet set = RuleLoader.load(List.of(latin));
        assertEquals(1, set.errors().size());
        assertEquals(latin + ":2:12: byte 0xe9 is not UTF-8: rule files are UTF-8 text", set.errors().getFirst().getMessage());

        RuleSet missing = RuleLoader.load(List.of(dir.resolve("nope.yaml")));
        assertTrue(missing.errors().getFirst().getMessage().endsWith("no such rule file or folder"));
        assertEquals(1, missing.unreadable().size());
        RuleSet fifo = RuleLoader.load(List.of(Path.of("/dev/null")));
        assertTrue(fifo.errors().getFirst().getMessage().endsWith("not a regular file or a folder"), fifo.errors().toString());
        assertEquals("permission denied", RuleLoader.why(new java.nio.file.AccessDeniedException("/x")));
    }

    @Test
    void aRuleThatThrowsIsCountedAndTheOthersStillAlert() {
        Condition boom = e -> {
            throw new IllegalStateException("broken accessor");
        };
        Rule broken = new Rule("broken", "", boom, emptyOutput(), Priority.WARNING, List.of(), "t");
        Rule fine = new Rule("fine", "", e -> true, emptyOutput(), Priority.WARNING, List.of(), "t");
        List<Alert> out = new ArrayList<>();
        Engine engine = new Engine(new RuleSet(List.of(broken, fine), List.of()), out::add, e -> {
            throw new IllegalArgumentException("lineage failed");
        });
        engine.accept(exec("x"));
        assertEquals(1, out.size(), "the lineage failure does not lose the alert");
        assertEquals("fine", out.getFirst().rule());
        assertEquals(List.of(), out.getFirst().lineage());
        assertEquals(Map.of("broken", 1L, "fine", 1L), engine.ruleErrors());
        assertTrue(engine.lastRuleError().contains("lineage failed"), engine.lastRuleError());
    }

    private static OutputTemplate emptyOutput() {
        try {
            return OutputTemplate.compile("x", "t", 1);
        } catch (RuleException e) {
            throw new AssertionError(e);
        }
    }
}
