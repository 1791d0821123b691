package dev.vigil.detect;

import java.util.ArrayList;
import java.util.List;

/** Tokens of a Falco condition, each knowing its line and column in the rule file. */
final class Lexer {
    enum Kind { WORD, STRING, OP, PUNCT }

    record Token(Kind kind, String text, int line, int column) {}

    private final List<Token> tokens = new ArrayList<>();
    private final ConditionParser.Origin origin;
    private int pos;
    private int endLine, endColumn;

    /** Tokens of `text`; past `maxTokens` it stops reading, and {@link #size()} says more than the budget. */
    Lexer(String text, ConditionParser.Origin origin, int maxTokens) throws RuleException {
        this.origin = origin;
        int line = origin.line(), col = origin.column();
        int i = 0;
        while (i < text.length() && tokens.size() <= maxTokens) {
            char c = text.charAt(i);
            if (c == '\n') {
                line++;
                col = 1;
                i++;
                continue;
            }
            if (Character.isWhitespace(c)) {
                i++;
                col++;
                continue;
            }
            int startCol = col, start = i;
            if (c == '"' || c == '\'') {
                StringBuilder sb = new StringBuilder();
                i++;
                col++;
                while (i < text.length() && text.charAt(i) != c) {
                    char d = text.charAt(i);
                    if (d == '\\' && i + 1 < text.length()) {
                        i++;
                        col++;
                        d = text.charAt(i);
                    }
                    sb.append(d);
                    i++;
                    col++;
                }
                if (i >= text.length()) {
                    throw new RuleException(origin.file(), line, startCol, "unterminated string");
                }
                i++;
                col++;
                tokens.add(new Token(Kind.STRING, sb.toString(), line, startCol));
                continue;
            }
            if (c == '(' || c == ')' || c == ',') {
                tokens.add(new Token(Kind.PUNCT, String.valueOf(c), line, startCol));
                i++;
                col++;
                continue;
            }
            if (c == '=' || c == '!' || c == '<' || c == '>') {
                i++;
                if (i < text.length() && text.charAt(i) == '=') {
                    i++;
                }
                String op = text.substring(start, i);
                if (op.equals("!")) {
                    throw new RuleException(origin.file(), line, startCol, "expected '!='");
                }
                col += i - start;
                tokens.add(new Token(Kind.OP, op, line, startCol));
                continue;
            }
            boolean bracket = false; // '=' inside proc.aname[...] is not an operator
            while (i < text.length()) {
                char d = text.charAt(i);
                if (d == '[') {
                    bracket = true;
                } else if (d == ']') {
                    bracket = false;
                }
                if (Character.isWhitespace(d) || d == '(' || d == ')' || d == ',' || d == '"' || d == '\''
                        || ((d == '=' || d == '<' || d == '>' || d == '!') && !bracket)) {
                    break;
                }
                i++;
            }
            col += i - start;
            tokens.add(new Token(Kind.WORD, text.substring(start, i), line, startCol));
        }
        endLine = line;
        endColumn = col;
    }

    int size() {
        return tokens.size();
    }

    boolean atEnd() {
        return pos >= tokens.size();
    }

    Token peek() {
        return atEnd() ? null : tokens.get(pos);
    }

    Token next() {
        return atEnd() ? null : tokens.get(pos++);
    }

    boolean accept(String punct) {
        Token t = peek();
        if (t != null && t.kind() == Kind.PUNCT && t.text().equals(punct)) {
            pos++;
            return true;
        }
        return false;
    }

    boolean acceptWord(String word) {
        Token t = peek();
        if (t != null && t.kind() == Kind.WORD && t.text().equalsIgnoreCase(word)) {
            pos++;
            return true;
        }
        return false;
    }

    void expect(String punct) throws RuleException {
        if (!accept(punct)) {
            Token t = peek();
            throw error(t, "expected '" + punct + "'" + (t == null ? " but the condition ended" : " but found '" + t.text() + "'"));
        }
    }

    RuleException error(String message) {
        return error(peek(), message);
    }

    RuleException error(Token at, String message) {
        if (at == null) {
            return new RuleException(origin.file(), endLine, endColumn, message);
        }
        return new RuleException(origin.file(), at.line(), at.column(), message);
    }
}
