package dev.vigil.agent;

import dev.vigil.detect.RuleException;
import dev.vigil.detect.RuleSet;
import dev.vigil.sink.Escape;

import java.util.List;

/** What loading a rule set said: its errors and warnings on stderr, and a refusal when none of it could be read. */
public final class RuleReport {
    private RuleReport() {}

    public static void report(RuleSet set) {
        for (RuleException e : set.errors()) {
            System.err.println("vigil: " + Escape.line(e.getMessage()));
        }
        for (RuleException w : set.warnings()) {
            System.err.println("vigil: warning: " + Escape.line(w.getMessage()));
        }
    }

    /** A rule path that cannot be read at all is a request that cannot be met: stop before collecting. */
    public static void requireReadable(RuleSet set) {
        List<RuleException> unreadable = set.unreadable();
        if (!unreadable.isEmpty()) {
            throw new IllegalArgumentException("rules not loaded from " + Escape.line(unreadable.getFirst().getMessage())
                    + ": fix the path given to --rules");
        }
    }

}
