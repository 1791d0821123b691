package dev.vigil.detect;

import dev.vigil.event.EventType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rules indexed by the event types and process names their conditions allow: an event meets only those, and no match is lost. */
class EngineIndexTest {
    private static final String RULES = """
            - rule: connects
              condition: evt.type = connect and proc.name = a
              output: x
            - rule: anything but connects
              condition: not evt.type = connect and proc.name = a
              output: x
            - rule: opens
              condition: evt.type in (open, openat) and proc.name = a
              output: x
            - rule: any type
              condition: proc.name = a
              output: x
            - sequence: exec then connect
              steps:
                - condition: evt.type = execve and proc.name = a
                - condition: evt.type = connect and proc.name = a
              window: 10s
              output: x
            """;

    private static void feed(Engine engine, String... types) {
        long ts = 1;
        for (String t : types) {
            Map<String, Object> e = new HashMap<>(Map.of("event", t, "comm", "a", "pid", 7L, "ts", ts++, "res", 3L));
            engine.accept(e);
        }
    }

    /**
     * An event type no detection can match needs no rules' form (the agent then skips making it);
     * a rule that does not bound the type reads them all, and a reload says anew.
     */
    @Test
    void theEngineSaysWhichEventTypesItsDetectionsRead() {
        Engine engine = new Engine(RuleLoader.loadText("t.yaml", """
                - rule: chmods
                  condition: evt.type = chmod and proc.name = a
                  output: x
                - sequence: exec then connect
                  steps:
                    - condition: evt.type = execve
                    - condition: evt.type = connect
                  window: 10s
                  output: x
                """), a -> { }, Engine::lineageFromTree);
        assertTrue(engine.reads(EventType.CHMOD) && engine.reads(EventType.EXECVE) && engine.reads(EventType.CONNECT));
        assertTrue(!engine.reads(EventType.EXIT) && !engine.reads(EventType.FORK) && !engine.reads(EventType.MPROTECT));
        engine.rules(RuleLoader.loadText("t.yaml", RULES));
        assertTrue(engine.reads(EventType.EXIT), "the rule on any type reads exits too");
        Engine stock = new Engine(RuleLoader.load(List.of(java.nio.file.Path.of("rules"))), a -> { }, Engine::lineageFromTree);
        assertTrue(stock.reads(EventType.EXECVE) && !stock.reads(EventType.EXIT), "the stock pack reads execs, not exits");
    }

    @Test
    void eachEventMeetsTheRulesOfItsTypeAndNoMatchIsLost() {
        List<Alert> out = new ArrayList<>();
        Engine engine = new Engine(RuleLoader.loadText("t.yaml", RULES), out::add, Engine::lineageFromTree).fold(java.time.Duration.ZERO);
        feed(engine, "execve", "connect", "file_write", "an_event_no_rule_names");
        List<String> names = out.stream().map(Alert::rule).toList();
        assertEquals(List.of(
                "anything but connects", "any type",                 // execve
                "connects", "any type", "exec then connect",         // connect
                "anything but connects", "opens", "any type",        // file_write is an openat to a Falco rule
                "anything but connects", "any type"), names);        // an unknown type meets every rule
        RuleSet only = RuleLoader.loadText("t.yaml", "- rule: chmods\n  condition: evt.type = chmod\n  output: x\n");
        engine.rules(only);
        out.clear();
        feed(engine, "execve", "chmod");
        assertEquals(List.of("chmods"), out.stream().map(Alert::rule).toList());
    }

    /**
     * Partial sequences are indexed by their join key: with thousands of files created and waiting,
     * a chmod meets the one partial with its name (the oldest of equals first), and the rest stay.
     */
    @Test
    void aSequenceStepJoinsThePartialWithItsKeyAmongThousands() {
        String rules = """
                - sequence: created then chmod then run
                  steps:
                    - condition: evt.type = create_file
                      key: fd.name
                    - condition: evt.type = chmod
                      key: fd.name
                    - condition: evt.type = execve
                      key: proc.exe
                  window: 60s
                  output: "%proc.exe"
                """;
        List<Alert> out = new ArrayList<>();
        Engine engine = new Engine(RuleLoader.loadText("t.yaml", rules), out::add, Engine::lineageFromTree).fold(java.time.Duration.ZERO);
        long ts = 1;
        for (int i = 0; i < 5000; i++) {
            engine.accept(new HashMap<>(Map.of("event", "create_file", "file_path", "/tmp/f" + i, "pid", 1L, "ts", ts++)));
        }
        engine.accept(new HashMap<>(Map.of("event", "chmod", "file_path", "/tmp/f4321", "pid", 2L, "ts", ts++)));
        engine.accept(new HashMap<>(Map.of("event", "execve", "exe", "/tmp/f1", "pid", 3L, "ts", ts++)));
        assertEquals(List.of(), out, "f1 was never made executable");
        engine.accept(new HashMap<>(Map.of("event", "execve", "exe", "/tmp/f4321", "pid", 4L, "ts", ts++)));
        assertEquals(List.of("/tmp/f4321"), out.stream().map(Alert::output).toList());
        engine.accept(new HashMap<>(Map.of("event", "chmod", "file_path", "/tmp/f7", "pid", 5L, "ts", ts++)));
        engine.accept(new HashMap<>(Map.of("event", "execve", "exe", "/tmp/f7", "pid", 6L, "ts", ts)));
        assertEquals(List.of("/tmp/f4321", "/tmp/f7"), out.stream().map(Alert::output).toList());
    }

    private static List<String> names(Engine engine, List<Alert> out, List<Map<String, Object>> events) {
        out.clear();
        long ts = 1;
        for (Map<String, Object> e : events) {
            Map<String, Object> copy = new HashMap<>(e);
            copy.put("ts", ts++);
            engine.accept(copy);
        }
        engine.flush();
        return out.stream().map(a -> a.rule() + "/" + a.kind()).toList();
    }

    /** The same rules without the name index: every detection of the type meets every event. */
    private static RuleSet unindexed(RuleSet set) {
        return new RuleSet(set.detections(), set.errors(), set.warnings(), set.collection(), Map.of());
    }

    @Test
    void aDetectionBoundToProcessNamesMeetsOnlyThoseUnderAndOrAndNot() {
        String rules = """
                - list: shells
                  items: [sh, bash]
                - rule: shells
                  condition: evt.type = execve and proc.name in (shells)
                  output: x
                - rule: shells or curl
                  condition: evt.type = execve and (proc.name in (shells) or (comm = curl and proc.pname = sh))
                  output: x
                - rule: a shell that is not bash
                  condition: evt.type = execve and proc.name in (shells) and not proc.name = bash
                  output: x
                - rule: anything but a shell
                  condition: evt.type = execve and not proc.name in (shells)
                  output: x
                - rule: a shell or any curl-like name
                  condition: evt.type = execve and (proc.name in (shells) or proc.name startswith curl)
                  output: x
                - rule: sh and bash at once
                  condition: evt.type = execve and proc.name = sh and proc.name = bash
                  output: x
                """;
        RuleSet set = RuleLoader.loadText("t.yaml", rules);
        assertEquals(Map.of("shells", java.util.Set.of("sh", "bash"), "shells or curl", java.util.Set.of("sh", "bash", "curl"),
                "a shell that is not bash", java.util.Set.of("sh", "bash"), "sh and bash at once", java.util.Set.of()), set.names(),
                "a 'not', or a branch that does not pin the name, leaves a detection unbound");
        List<Alert> out = new ArrayList<>();
        Engine engine = new Engine(set, out::add, Engine::lineageFromTree).fold(java.time.Duration.ZERO);
        List<Map<String, Object>> events = List.of(
                Map.of("event", "execve", "comm", "sh", "pid", 1L),
                Map.of("event", "execve", "comm", "bash", "pid", 2L),
                Map.of("event", "execve", "comm", "curl", "parent_comm", "sh", "pid", 3L),
                Map.of("event", "execve", "comm", "curlx", "pid", 4L),
                Map.of("event", "execve", "pid", 5L));
        assertEquals(List.of(
                "shells/rule", "shells or curl/rule", "a shell that is not bash/rule", "a shell or any curl-like name/rule",
                "shells/rule", "shells or curl/rule", "a shell or any curl-like name/rule",
                "shells or curl/rule", "anything but a shell/rule", "a shell or any curl-like name/rule",
                "anything but a shell/rule", "a shell or any curl-like name/rule",
                "anything but a shell/rule"), names(engine, out, events),
                "in rule order; an event without a name meets the unbound detections only, and nothing matches it");
    }

    /**
     * Every stock case and Falco's three files together: the same alerts, in the same order, with the
     * name index as without it, so the index never hides a match.
     */
    @Test
    void theNameIndexChangesNoAlertOfTheStockCasesUnderTheStockPackAndFalcosRules() throws Exception {
        List<java.nio.file.Path> files = new ArrayList<>(List.of(dev.vigil.cli.StockPack.path()));
        for (String f : FalcoRuleFiles.NAMES) {
            files.add(FalcoRuleFiles.file(f));
        }
        RuleSet set = RuleLoader.load(files);
        List<Map<String, Object>> events = new ArrayList<>();
        for (Map<String, Object> c : StockRulesTest.cases()) {
            for (String side : List.of("positive", "negative")) {
                for (Object k : (List<?>) c.get(side)) {
                    events.addAll(StockRulesTest.events(k));
                }
            }
        }
        List<Alert> out = new ArrayList<>();
        List<String> indexed = names(new Engine(set, out::add, Engine::lineageFromTree), out, events);
        List<String> plain = names(new Engine(unindexed(set), out::add, Engine::lineageFromTree), out, events);
        assertTrue(set.names().size() >= 20, "the stock pack binds most of its exec detections to names: " + set.names().size());
        assertTrue(indexed.size() > 100, "the cases raise alerts: " + indexed.size());
        int first = 0;
        while (first < Math.min(plain.size(), indexed.size()) && plain.get(first).equals(indexed.get(first))) {
            first++;
        }
        assertEquals(plain.size(), first, "alert " + first + " differs: without the index "
                + plain.subList(first, Math.min(first + 3, plain.size())) + ", with it " + indexed.subList(first, Math.min(first + 3, indexed.size())));
        assertEquals(plain.size(), indexed.size());
    }
}
