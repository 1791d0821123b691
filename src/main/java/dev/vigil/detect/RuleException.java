package dev.vigil.detect;

/** A problem in a rule file, located as file:line:column. */
public final class RuleException extends Exception {
    private final String file;
    private final int line;
    private final int column;
    private final String reason;

    public RuleException(String file, int line, int column, String message) {
        super(file + ":" + line + ":" + column + ": " + message);
        this.file = file;
        this.line = line;
        this.column = column;
        this.reason = message;
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
}
