package dev.vigil.detect;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Ordered steps, each a condition, joined by a key, within a window. Each step names the field
 * whose value joins it to the previous step ({@code key}); the special key {@code lineage} joins
 * a step to an earlier one when the earlier process is the same process or one of its ancestors.
 */
public record SequenceRule(String name, String desc, List<Step> steps, Duration window, OutputTemplate output,
                           Priority priority, List<String> tags, String source) implements Detection {

    public record Step(String name, Condition condition, Function<Map<String, Object>, Object> key, String keyName,
                       boolean lineage) {}
}
