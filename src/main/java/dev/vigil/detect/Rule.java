package dev.vigil.detect;

import java.util.List;

/** A Falco-style rule: one event, one condition. */
public record Rule(String name, String desc, Condition condition, OutputTemplate output, Priority priority,
                   List<String> tags, String source) implements Detection {}
