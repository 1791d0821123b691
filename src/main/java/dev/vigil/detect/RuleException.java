package dev.vigil.detect;

/** A problem in a rule file, located as file:line:column (line 0 when it concerns the whole file). */
public final class RuleException extends Exception {
    private final String file;
    private final int line;
    private final int column;
    private final String reason;
    private final boolean unreadable;

    public RuleException(String file, int line, int column, String message) {
        this(file, line, column, message, false);
    }

    private RuleException(String file, int line, int column, String message, boolean unreadable) {
        super(line > 0 ? file + ":" + line + ":" + column + ": " + message : file + ": " + message);
        this.file = file;
        this.line = line;
        this.column = column;
        this.reason = message;
        this.unreadable = unreadable;
    }

    /** The path could not be read at all (missing, not permitted, not a rule file): nothing in it loaded. */
    public static RuleException unreadable(String file, String reason) {
        return new RuleException(file, 0, 0, reason, true);
    }

    /** The message without its location. */
    public String reason() {
        return reason;
    }

    public String file() {
        return file;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    public boolean isUnreadable() {
        return unreadable;
    }
}
