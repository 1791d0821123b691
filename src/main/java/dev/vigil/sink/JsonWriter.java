package dev.vigil.sink;

import dev.vigil.event.FieldSink;
import dev.vigil.event.PidTree;

import java.util.List;

/**
 * A small JSON object writer for attacker-controlled text: control characters (newlines, ANSI
 * escapes), quotes, backslashes, {@code < > &}, U+2028/9 and lone surrogates (bytes that were
 * not UTF-8, see {@link dev.vigil.event.Text}) are all written as escapes, so one event is always
 * one line of valid, printable JSON. Reused per event: no allocation beyond the buffer's growth.
 */
public final class JsonWriter implements FieldSink {
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private final StringBuilder sb = new StringBuilder(1024);
    private boolean first = true;

    public JsonWriter begin() {
        sb.setLength(0);
        sb.append('{');
        first = true;
        return this;
    }

    public StringBuilder end() {
        sb.append('}');
        return sb;
    }

    /** Names of fields written before and their JSON ({@code "name":}), by the name's hash: every event repeats its type's names. */
    private final String[] keyNames = new String[256], keyTexts = new String[256];
    /** A longer name is escaped each time it comes rather than kept. */
    private static final int KEPT_NAME = 64;

    private void key(String name) {
        if (!first) {
            sb.append(',');
        }
        first = false;
        int slot = name.hashCode() & (keyNames.length - 1);
        if (name.equals(keyNames[slot])) {
            sb.append(keyTexts[slot]);
            return;
        }
        int from = sb.length();
        string(name);
        sb.append(':');
        if (name.length() <= KEPT_NAME) {
            keyNames[slot] = name;
            keyTexts[slot] = sb.substring(from);
        }
    }

    @Override
    public void field(String name, String value) {
        key(name);
        string(value == null ? "" : value);
    }

    @Override
    public void field(String name, long value) {
        key(name);
        sb.append(value);
    }

    @Override
    public void field(String name, boolean value) {
        key(name);
        sb.append(value);
    }

    @Override
    public void field(String name, List<String> values) {
        key(name);
        sb.append('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            string(values.get(i));
        }
        sb.append(']');
    }

    @Override
    public void ancestry(PidTree tree) {
        field("pid_tree", tree.elkeid());
        ancestors(tree);
    }

    /** {@code ancestors} alone, without the {@code pid_tree} string that renders the same chain. */
    public void ancestors(PidTree tree) {
        key("ancestors");
        sb.append('[');
        for (int i = 0; i < tree.nodes().size(); i++) {
            PidTree.Node n = tree.nodes().get(i);
            sb.append(i > 0 ? ",{\"pid\":" : "{\"pid\":").append(n.pid()).append(",\"start\":").append(n.start()).append(",\"comm\":");
            string(n.comm());
            sb.append('}');
        }
        sb.append(']');
    }

    /** `v` alone as JSON (a column of a row, not a field of an object); the types of {@link #field(String, Object)}. */
    public String json(Object v) {
        sb.setLength(0);
        value(v);
        return sb.toString();
    }

    /** Any value: String, Number, Boolean, List or Map (nested), null. */
    public void field(String name, Object value) {
        key(name);
        value(value);
    }

    private void value(Object v) {
        switch (v) {
            case null -> sb.append("null");
            case String s -> string(s);
            case Number n -> sb.append(n);
            case Boolean b -> sb.append(b);
            case List<?> l -> {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    value(l.get(i));
                }
                sb.append(']');
            }
            case java.util.Map<?, ?> m -> {
                sb.append('{');
                boolean firstEntry = true;
                for (var en : m.entrySet()) {
                    if (!firstEntry) {
                        sb.append(',');
                    }
                    firstEntry = false;
                    string(String.valueOf(en.getKey()));
                    sb.append(':');
                    value(en.getValue());
                }
                sb.append('}');
            }
            default -> string(v.toString());
        }
    }

    private void string(String s) {
        sb.append('"');
        int n = s.length(), first = 0;
        while (first < n && plain(s.charAt(first))) {
            first++;
        }
        if (first == n) { // most strings: copied whole, in one go
            sb.append(s).append('"');
            return;
        }
        int run = 0;
        for (int i = first; i < n; i++) {
            char c = s.charAt(i);
            if (plain(c)) {
                continue; // copied with the rest of its run
            }
            sb.append(s, run, i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                        sb.append(c).append(s.charAt(++i)); // a pair: a character beyond the BMP
                    } else {
                        sb.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
                    }
                }
            }
            run = i + 1;
        }
        sb.append(s, run, n);
        sb.append('"');
    }

    private static final boolean[] PLAIN_ASCII = new boolean[0x80];

    static {
        for (char c = 0x20; c < 0x7f; c++) {
            PLAIN_ASCII[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&';
        }
    }

    /** Written as it is: printable ASCII but the quote, the backslash and {@code < > &}, and non-surrogate text above U+009F but U+2028/9. */
    private static boolean plain(char c) {
        if (c < 0x80) {
            return PLAIN_ASCII[c];
        }
        return c >= 0xa0 && !Character.isSurrogate(c) && c != 0x2028 && c != 0x2029;
    }
}
