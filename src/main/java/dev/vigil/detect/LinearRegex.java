package dev.vigil.detect;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

/**
 * Regexes for rules, on RE2/J: matching time is linear in the event text, whatever the pattern,
 * because the text is the attacker's. RE2/J itself recurses on nesting and expands counted
 * repetitions without a size limit, so a pattern is measured before it is compiled: too long,
 * too deeply nested or expanding past {@link #MAX_SIZE} instructions is refused with a reason.
 */
public final class LinearRegex {
    static final int MAX_LENGTH = 16_384;
    static final int MAX_NESTING = 64;
    static final long MAX_SIZE = 100_000;

    private LinearRegex() {}

    /** The compiled pattern, or {@link BadPattern} saying why it cannot be used. */
    public static Pattern compile(String pattern, int flags) throws BadPattern {
        measure(pattern);
        try {
            return Pattern.compile(pattern, flags);
        } catch (PatternSyntaxException e) {
            throw new BadPattern(e.getDescription() + (e.getPattern().isEmpty() ? "" : ": `" + e.getPattern() + "`"));
        } catch (RuntimeException | StackOverflowError e) {
            throw new BadPattern("cannot compile: " + e);
        }
    }

    /** Falco's glob: {@code *} any run, {@code ?} one character, {@code [...]} a class; the rest literal. */
    public static Pattern glob(String glob) throws BadPattern {
        return compile(globRegex(glob), Pattern.DOTALL);
    }

    /** {@link #glob} ignoring case (Falco's iglob). */
    public static Pattern iglob(String glob) throws BadPattern {
        return compile(globRegex(glob), Pattern.DOTALL | Pattern.CASE_INSENSITIVE);
    }

    private static String globRegex(String glob) {
        StringBuilder sb = new StringBuilder(glob.length() * 2);
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> sb.append(".*");
                case '?' -> sb.append('.');
                case '[' -> {
                    int close = glob.indexOf(']', i + 2);
                    if (close < 0) {
                        sb.append("\\[");
                        break;
                    }
                    String body = glob.substring(i + 1, close);
                    if (body.startsWith("!")) {
                        body = "^" + body.substring(1);
                    }
                    sb.append('[').append(body.replace("\\", "\\\\").replace("[", "\\[")).append(']');
                    i = close;
                }
                default -> sb.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return sb.toString();
    }

    /**
     * Walks the pattern once with an explicit stack: nesting depth, and the instruction count once
     * counted repetitions are expanded (each {@code {n}} multiplies what it applies to).
     */
    static void measure(String p) throws BadPattern {
        if (p.length() > MAX_LENGTH) {
            throw new BadPattern("pattern is " + p.length() + " characters; the limit is " + MAX_LENGTH);
        }
        long[] sizes = new long[MAX_NESTING + 2];
        int depth = 0;
        long last = 0; // size of the atom just read, which a following repetition applies to
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            switch (c) {
                case '\\' -> {
                    i++;
                    last = 1;
                    sizes[depth] += 1;
                }
                case '[' -> {
                    int j = i + 1;
                    if (j < p.length() && p.charAt(j) == '^') {
                        j++;
                    }
                    if (j < p.length() && p.charAt(j) == ']') {
                        j++;
                    }
                    while (j < p.length() && p.charAt(j) != ']') {
                        if (p.charAt(j) == '\\') {
                            j++;
                        }
                        j++;
                    }
                    i = j;
                    last = 1;
                    sizes[depth] += 1;
                }
                case '(' -> {
                    if (++depth > MAX_NESTING) {
                        throw new BadPattern("groups nest deeper than " + MAX_NESTING);
                    }
                    sizes[depth] = 0;
                    last = 0;
                }
                case ')' -> {
                    if (depth == 0) {
                        last = 1;
                        sizes[0] += 1;
                        break;
                    }
                    last = sizes[depth] + 1;
                    depth--;
                    sizes[depth] += last;
                }
                case '{' -> {
                    int close = p.indexOf('}', i);
                    long times = close < 0 ? 1 : repeatBound(p.substring(i + 1, close));
                    if (times > 1) {
                        sizes[depth] += last * (times - 1);
                        last *= times;
                        i = close;
                    }
                }
                default -> {
                    last = 1;
                    sizes[depth] += 1;
                }
            }
            if (sizes[depth] > MAX_SIZE) {
                throw new BadPattern("pattern expands past " + MAX_SIZE + " instructions (counted repetitions multiply)");
            }
        }
    }

    /** The larger bound of {@code n}, {@code m,n} or {@code m,}; 1 when it is not a repetition. */
    private static long repeatBound(String body) {
        String[] parts = body.split(",", -1);
        if (parts.length > 2) {
            return 1;
        }
        try {
            long lo = Long.parseLong(parts[0]);
            long hi = parts.length == 2 && !parts[1].isEmpty() ? Long.parseLong(parts[1]) : lo;
            return Math.max(1, Math.min(Math.max(lo, hi), 1_000_000));
        } catch (NumberFormatException notRepeat) {
            return 1;
        }
    }

    /** A pattern Vigil refuses, with the reason. */
    public static final class BadPattern extends Exception {
        BadPattern(String reason) {
            super(reason);
        }
    }
}
