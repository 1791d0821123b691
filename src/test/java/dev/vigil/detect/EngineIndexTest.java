package dev.vigil.detect;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Rules indexed by the event types their conditions allow: an event meets only those, and no match is lost. */
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
}
