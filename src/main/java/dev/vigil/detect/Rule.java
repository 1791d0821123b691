package dev.vigil.detect;

import java.util.List;

/**
 * A Falco-style rule: one event, one condition. `block` (Vigil's, for JVM rules only): the hooked
 * call a matching event reports is refused in the JVM, and the alert says so.
 */
public record Rule(String name, String desc, Condition condition, OutputTemplate output, Priority priority,
                   List<String> tags, String source, boolean block) implements Detection {
    public Rule(String name, String desc, Condition condition, OutputTemplate output, Priority priority, List<String> tags, String source) {
        this(name, desc, condition, output, priority, tags, source, false);
    }
}
