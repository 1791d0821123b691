package dev.vigil.detect;

import java.util.List;

/**
 * What a set of rule files compiled to: the detections that loaded, every problem (located), and
 * warnings for what loaded but may not be what was meant (a later file redefining a rule), and
 * what the detections make the kernel collect.
 */
public record RuleSet(List<Detection> detections, List<RuleException> errors, List<RuleException> warnings, Collection collection) {
    public RuleSet(List<Detection> detections, List<RuleException> errors) {
        this(detections, errors, List.of(), Collection.of(java.util.Map.of()));
    }

    public boolean clean() {
        return errors.isEmpty();
    }

    /** Paths that could not be read at all: a request for rules that cannot be met. */
    public List<RuleException> unreadable() {
        return errors.stream().filter(RuleException::isUnreadable).toList();
    }
}
