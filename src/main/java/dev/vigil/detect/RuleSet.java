package dev.vigil.detect;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a set of rule files compiled to: the detections that loaded, every problem (located), and
 * warnings for what loaded but may not be what was meant (a later file redefining a rule),
 * what the detections make the kernel collect, and the process names some detections are bound to.
 *
 * @param names for each detection that can only match processes of certain names (its condition
 *              pins {@code proc.name} under every branch), those names; the engine looks such a
 *              detection up by the event's name instead of testing it on every event
 */
public record RuleSet(List<Detection> detections, List<RuleException> errors, List<RuleException> warnings, Collection collection,
                      Map<String, Set<String>> names) {
    public RuleSet(List<Detection> detections, List<RuleException> errors) {
        this(detections, errors, List.of(), Collection.of(Map.of()), Map.of());
    }

    public boolean clean() {
        return errors.isEmpty();
    }

    /** Paths that could not be read at all: a request for rules that cannot be met. */
    public List<RuleException> unreadable() {
        return errors.stream().filter(RuleException::isUnreadable).toList();
    }
}
