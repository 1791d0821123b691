package dev.vigil.detect;

import java.util.List;

/** A detection: a single-event rule, a threshold over a window, or an ordered sequence. */
public sealed interface Detection permits Rule, ThresholdRule, SequenceRule {
    String name();

    String desc();

    Priority priority();

    List<String> tags();

    OutputTemplate output();

    /** file:line where it was defined. */
    String source();
}
