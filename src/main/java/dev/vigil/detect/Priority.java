package dev.vigil.detect;

import java.util.Locale;

/** Falco's priorities, most severe first. */
public enum Priority {
    EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFORMATIONAL, DEBUG;

    public static Priority parse(String s) {
        String p = s.trim().toUpperCase(Locale.ROOT);
        if (p.equals("INFO")) {
            return INFORMATIONAL;
        }
        return valueOf(p);
    }
}
