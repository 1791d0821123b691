package dev.vigil.detect;

import java.util.Map;

/** A compiled rule condition over an event's fields. */
@FunctionalInterface
public interface Condition {
    boolean test(Map<String, Object> event);

    Condition TRUE = e -> true;
}
