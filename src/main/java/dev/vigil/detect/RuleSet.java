package dev.vigil.detect;

import java.util.List;

/** What a set of rule files compiled to: the detections that loaded, and every problem, located. */
public record RuleSet(List<Detection> detections, List<RuleException> errors) {
    public boolean clean() {
        return errors.isEmpty();
    }
}
