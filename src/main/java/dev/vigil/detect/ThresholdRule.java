package dev.vigil.detect;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Counts matching events per group over a sliding window; fires when the count (or, with
 * {@code distinct}, the number of distinct values of that field) reaches {@code count}. Fires once
 * per group per window.
 */
public record ThresholdRule(String name, String desc, Condition condition, List<Function<Map<String, Object>, Object>> groupBy,
                            List<String> groupByNames, Function<Map<String, Object>, Object> distinct, String distinctName,
                            int count, Duration window, OutputTemplate output, Priority priority, List<String> tags,
                            String source) implements Detection {}
