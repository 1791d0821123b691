package dev.vigil.inject.core;

import java.util.List;

/**
 * One JSON object on one line, as the agent reads them. Every string is the application's or the
 * attacker's: escaped (controls, quotes, lone surrogates) and cut to a bound, so no value can end a
 * line or grow one without limit.
 */
final class Json {
    static final int MAX_STRING = 1024;
    static final int MAX_LIST = 48;

    private final StringBuilder b = new StringBuilder(512).append('{');

    Json field(String key, String value) {
        if (value != null) {
            key(key);
            string(value);
        }
        return this;
    }

    Json field(String key, long value) {
        key(key);
        b.append(value);
        return this;
    }

    Json field(String key, List<String> values) {
        key(key);
        b.append('[');
        int n = Math.min(values.size(), MAX_LIST);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                b.append(',');
            }
            string(values.get(i));
        }
        b.append(']');
        return this;
    }

    /** A nested object already written (a Json's text). */
    Json raw(String key, String object) {
        key(key);
        b.append(object);
        return this;
    }

    private void key(String key) {
        if (b.length() > 1) {
            b.append(',');
        }
        b.append('"').append(key).append("\":");
    }

    private void string(String s) {
        b.append('"');
        int n = Math.min(s.length(), MAX_STRING);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029' || Character.isSurrogate(c) && !pair(s, i)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (s.length() > MAX_STRING) {
            b.append("...");
        }
        b.append('"');
    }

    /** Whether s[i] is half of a well-formed pair that the cut at MAX_STRING keeps whole. */
    private static boolean pair(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < Math.min(s.length(), MAX_STRING) && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    @Override
    public String toString() {
        return b.toString() + '}';
    }
}
