package dev.vigil.sink;

/** Makes attacker- or user-supplied text safe for one line of a terminal: no control characters. */
public final class Escape {
    private Escape() {}

    /** At most this many characters of one message: a rule file can quote a megabyte back at us. */
    public static final int MAX = 2000;

    public static String line(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX + 16));
        for (int i = 0; i < s.length(); i++) {
            if (sb.length() >= MAX) {
                sb.append("… (").append(s.length() - i).append(" more characters)");
                break;
            }
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || Character.isSurrogate(c)) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
