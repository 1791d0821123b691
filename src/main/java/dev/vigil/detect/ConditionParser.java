package dev.vigil.detect;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Compiles a Falco condition into a {@link Condition}, once: lists and macros are expanded, fields
 * resolved, regexes and globs compiled, so evaluation does no parsing or string building.
 *
 * <pre>
 * expr    := and ('or' and)*
 * and     := unary ('and' unary)*
 * unary   := 'not' unary | '(' expr ')' | FIELD 'exists' | FIELD op value | MACRO
 * value   := STRING | WORD | '(' item (',' item)* ')' | LIST
 * </pre>
 *
 * A rule file may be hostile, so compiling is bounded: nesting (parentheses, {@code not} and
 * macro expansion together) stops at {@link #MAX_DEPTH}, and one condition may expand to at most
 * {@link #MAX_TOKENS} tokens, all conditions of a rule set to {@link #MAX_TOTAL_TOKENS}: a macro
 * that uses another twice, repeated, would otherwise grow exponentially. Chains of {@code and}
 * and {@code or} become one node each, so evaluating them does not recurse per operand.
 */
public final class ConditionParser {
    /** Where the condition text came from, for file:line:column in errors. */
    public record Origin(String file, int line, int column) {}

    public record Macro(String condition, Origin origin) {}

    private static final Set<String> BINARY = Set.of("=", "==", "!=", "<", "<=", ">", ">=", "in", "intersects",
            "contains", "icontains", "startswith", "endswith", "glob", "iglob", "pmatch", "regex", "bcontains", "bstartswith");

    static final int MAX_DEPTH = 100;
    static final int MAX_TOKENS = 200_000;
    static final long MAX_TOTAL_TOKENS = 20_000_000;

    private final Map<String, List<String>> lists;
    private final Map<String, Macro> macros;
    /** The macros being expanded, outermost first: a repeat is a loop, the first names a budget overrun. */
    private final ArrayDeque<String> expansion = new ArrayDeque<>();
    private final Set<String> fieldsUsed = new HashSet<>();
    /** What the condition just compiled needs of an event (each parse step leaves its own here). */
    private Needs lastNeeds = Needs.ANY;
    /** The source of the rule being compiled: its fields must be that source's. */
    private String source = "syscall";
    private int depth;
    private int tokens;
    private long totalTokens;

    public ConditionParser(Map<String, List<String>> lists, Map<String, Macro> macros) {
        this.lists = lists;
        this.macros = macros;
    }

    /** Compiles what follows for events of `source` (Falco's name: syscall, k8s_audit). */
    public ConditionParser source(String source) {
        this.source = source;
        return this;
    }

    /** Fields referenced by everything compiled so far. */
    public Set<String> fieldsUsed() {
        return fieldsUsed;
    }

    /** One condition, with its own expansion budget. */
    public Condition compile(String text, Origin origin) throws RuleException {
        depth = 0;
        tokens = 0;
        expansion.clear();
        lastNeeds = Needs.ANY;
        return expand(text, origin);
    }

    /** What the last condition compiled needs of an event: the event types and paths the kernel must report for it. */
    public Needs needs() {
        return lastNeeds;
    }

    private Condition expand(String text, Origin origin) throws RuleException {
        Lexer lx = new Lexer(text, origin, MAX_TOKENS - tokens);
        tokens += lx.size();
        totalTokens += lx.size();
        if (tokens > MAX_TOKENS || totalTokens > MAX_TOTAL_TOKENS) {
            String where = expansion.isEmpty() ? "the condition" : "macro '" + expansion.getFirst() + "'"
                    + (expansion.size() > 1 ? " (through " + String.join(" > ", expansion) + ")" : "");
            throw new RuleException(origin.file(), origin.line(), origin.column(), tokens > MAX_TOKENS
                    ? where + " expands past " + MAX_TOKENS + " tokens: a macro used many times over, or too large a condition"
                    : "the rule set's conditions expand past " + MAX_TOTAL_TOKENS + " tokens in all (at " + where + ")");
        }
        Condition c = or(lx);
        if (!lx.atEnd()) {
            throw lx.error("expected 'and', 'or' or the end of the condition, found '" + lx.peek().text() + "'");
        }
        return c;
    }

    private Condition or(Lexer lx) throws RuleException {
        return chain(lx, "or");
    }

    private Condition and(Lexer lx) throws RuleException {
        return chain(lx, "and");
    }

    /**
     * Operands joined by `word` as one flat node: 'or' is true at the first true operand, 'and'
     * false at the first false one, so a long chain costs a loop, not a recursion per operand.
     */
    private Condition chain(Lexer lx, String word) throws RuleException {
        boolean any = word.equals("or");
        List<Condition> parts = new ArrayList<>();
        List<Needs> needs = new ArrayList<>();
        do {
            parts.add(any ? and(lx) : unary(lx));
            needs.add(lastNeeds);
        } while (lx.acceptWord(word));
        if (parts.size() == 1) {
            return parts.getFirst();
        }
        lastNeeds = any ? Needs.or(needs) : Needs.and(needs);
        Condition[] cs = parts.toArray(Condition[]::new);
        return e -> {
            for (Condition c : cs) {
                if (c.test(e) == any) {
                    return any;
                }
            }
            return !any;
        };
    }

    /** Event names whose Falco types depend on the event's other fields (a link is a link or a symlink…). */
    private static final Set<String> TYPES_BY_FIELDS = Set.of("link", "dns", "namespace", "process_memory", "watched_change");

    /**
     * evt.type = / in, decided on the event's name against the names that can match, computed
     * once; only for the few names whose Falco type depends on other fields is the full test run.
     */
    private static Condition typeTest(Needs needs, Condition full) {
        Set<String> names = Set.copyOf(needs.types());
        return e -> {
            if (!(e.get("event") instanceof String ev)) {
                return false; // no event name: no type (immutable sets refuse to look up null)
            }
            if (!names.contains(ev)) {
                return dev.vigil.event.EventType.ofName(ev) == null && full.test(e);
            }
            return !TYPES_BY_FIELDS.contains(ev) || full.test(e);
        };
    }

    /** Enters one level of nesting, or fails at the token that went too deep. */
    private void deeper(Lexer lx, Lexer.Token at) throws RuleException {
        if (++depth > MAX_DEPTH) {
            throw lx.error(at, "nesting deeper than " + MAX_DEPTH + " levels (parentheses, 'not' and macros together)");
        }
    }

    private Condition unary(Lexer lx) throws RuleException {
        Lexer.Token first = lx.peek();
        if (lx.acceptWord("not")) {
            // 'not not not …' folds into one negation or none, without recursing per 'not'
            boolean negate = true;
            while (lx.acceptWord("not")) {
                negate = !negate;
            }
            deeper(lx, first);
            Condition inner = unary(lx);
            depth--;
            if (!negate) {
                return inner;
            }
            lastNeeds = Needs.not();
            return e -> !inner.test(e);
        }
        if (lx.accept("(")) {
            deeper(lx, first);
            Condition inner = or(lx);
            lx.expect(")");
            depth--;
            return inner;
        }
        Lexer.Token t = lx.next();
        if (t == null) {
            throw lx.error("expected a field, a macro, 'not' or '(' but the condition ended");
        }
        if (t.kind() != Lexer.Kind.WORD) {
            throw lx.error(t, "expected a field, a macro, 'not' or '(' but found '" + t.text() + "'");
        }
        Lexer.Token op = lx.peek();
        boolean comparison = op != null && (op.kind() == Lexer.Kind.OP || (op.kind() == Lexer.Kind.WORD
                && (BINARY.contains(op.text().toLowerCase(Locale.ROOT)) || op.text().equalsIgnoreCase("exists"))));
        if (!comparison) {
            Macro m = macros.get(t.text());
            if (m == null) {
                if (Fields.resolve(t.text()) != null) {
                    throw lx.error(t, "field '" + t.text() + "' needs an operator (=, in, contains, exists, …)");
                }
                throw lx.error(t, "unknown macro or field '" + t.text() + "'");
            }
            if (expansion.contains(t.text())) {
                throw lx.error(t, "macro '" + t.text() + "' refers to itself");
            }
            deeper(lx, t);
            expansion.addLast(t.text());
            try {
                return expand(m.condition(), m.origin());
            } finally {
                expansion.removeLast();
                depth--;
            }
        }
        Function<Map<String, Object>, Object> field = Fields.resolve(t.text());
        if (field == null) {
            throw lx.error(t, "unknown field '" + t.text() + "': Vigil does not collect it");
        }
        if (!Fields.sources(t.text()).contains(source)) {
            throw lx.error(t, "field '" + t.text() + "' is not a field of " + source + " events"
                    + (source.equals("syscall") ? ": a rule that reads it says 'source: " + String.join("|", Fields.sources(t.text())) + "'"
                    : ": a " + source + " rule reads " + source + " fields only"));
        }
        fieldsUsed.add(t.text());
        lx.next();
        String operator = op.text().toLowerCase(Locale.ROOT);
        if (operator.equals("exists")) {
            lastNeeds = Needs.ANY;
            return e -> present(field.apply(e));
        }
        return switch (operator) {
            case "in", "intersects", "pmatch" -> {
                List<String> values = listValue(lx);
                lastNeeds = t.text().equals("evt.type") && !operator.equals("pmatch") ? Needs.types(values)
                        : Needs.OUTCOME_FIELDS.contains(t.text()) ? Needs.outcome(t.text(), operator, values)
                        : Needs.NAME_FIELDS.contains(t.text()) ? Needs.names(operator, values)
                        : Needs.path(t.text(), operator, values);
                Condition slow = setOp(operator, field, values);
                yield t.text().equals("evt.type") && operator.equals("in") ? typeTest(lastNeeds, slow) : slow;
            }
            default -> {
                Lexer.Token v = lx.next();
                boolean direction = v != null && v.kind() == Lexer.Kind.OP && (v.text().equals(">") || v.text().equals("<"));
                if (v == null || (v.kind() != Lexer.Kind.WORD && v.kind() != Lexer.Kind.STRING && !direction)) {
                    throw lx.error(v == null ? op : v, "expected a value after '" + op.text() + "'");
                }
                boolean eq = operator.equals("=") || operator.equals("==");
                lastNeeds = t.text().equals("evt.type") && eq ? Needs.types(List.of(v.text()))
                        : t.text().startsWith("evt.is_open_") && eq ? Needs.access(t.text(), v.text())
                        : Needs.OUTCOME_FIELDS.contains(t.text()) ? Needs.outcome(t.text(), operator, List.of(v.text()))
                        : Needs.NAME_FIELDS.contains(t.text()) ? Needs.names(operator, List.of(v.text()))
                        : Needs.path(t.text(), operator, List.of(v.text()));
                Condition slow = scalarOp(lx, v, operator, field, v.text());
                yield t.text().equals("evt.type") && eq ? typeTest(lastNeeds, slow) : slow;
            }
        };
    }

    private List<String> listValue(Lexer lx) throws RuleException {
        List<String> out = new ArrayList<>();
        if (lx.accept("(")) {
            if (lx.accept(")")) {
                return out;
            }
            do {
                Lexer.Token item = lx.next();
                if (item == null || (item.kind() != Lexer.Kind.WORD && item.kind() != Lexer.Kind.STRING)) {
                    throw lx.error(item, "expected a list item");
                }
                expandItem(lx, item, out);
            } while (lx.accept(","));
            lx.expect(")");
            return out;
        }
        Lexer.Token name = lx.next();
        if (name == null || !lists.containsKey(name.text())) {
            throw lx.error(name, "expected '(' or the name of a list");
        }
        expandList(lx, name, name.text(), out, new ArrayDeque<>());
        return out;
    }

    private void expandItem(Lexer lx, Lexer.Token item, List<String> out) throws RuleException {
        if (item.kind() == Lexer.Kind.WORD && lists.containsKey(item.text())) {
            expandList(lx, item, item.text(), out, new ArrayDeque<>());
        } else {
            out.add(item.text());
        }
    }

    /**
     * A list's items, with items that name other lists replaced by their items (Falco's lists of
     * lists), at any depth; a list that contains itself is an error, and every item counts toward
     * the condition's token budget, so nesting cannot blow up.
     */
    private void expandList(Lexer lx, Lexer.Token at, String name, List<String> out, ArrayDeque<String> path) throws RuleException {
        if (path.contains(name)) {
            throw lx.error(at, "list '" + name + "' contains itself (through " + String.join(" > ", path) + ")");
        }
        if (path.size() >= MAX_DEPTH) {
            throw lx.error(at, "lists nested deeper than " + MAX_DEPTH + " levels");
        }
        path.addLast(name);
        for (String item : lists.get(name)) {
            if (++tokens > MAX_TOKENS || ++totalTokens > MAX_TOTAL_TOKENS) {
                throw lx.error(at, "list '" + path.getFirst() + "' expands past " + MAX_TOKENS + " items");
            }
            if (lists.containsKey(item) && !item.equals(name)) {
                expandList(lx, at, item, out, path);
            } else {
                out.add(item);
            }
        }
        path.removeLast();
    }

    /**
     * The value's test applied as Falco applies it: never to an absent value; to each of an
     * {@link Falco.AnyOf} until one passes (any ancestor, either end of a socket).
     */
    private static Condition test(Function<Map<String, Object>, Object> field, java.util.function.Predicate<Object> p) {
        return e -> {
            Object v = field.apply(e);
            if (v == null) {
                return false;
            }
            if (v instanceof Falco.AnyOf any) {
                for (Object x : any.values()) {
                    if (x != null && p.test(x)) {
                        return true;
                    }
                }
                return false;
            }
            return p.test(v);
        };
    }

    private static Condition setOp(String op, Function<Map<String, Object>, Object> field, List<String> values) {
        Set<String> set = Set.copyOf(values);
        List<Long> numbers = values.stream().map(ConditionParser::parseLong).filter(java.util.Objects::nonNull).toList();
        return switch (op) {
            case "in" -> test(field, v -> {
                if (v instanceof List<?> l) {
                    return !l.isEmpty() && l.stream().allMatch(x -> set.contains(String.valueOf(x)));
                }
                return inSet(v, set, values, numbers);
            });
            case "intersects" -> test(field, v -> {
                if (v instanceof List<?> l) {
                    return l.stream().anyMatch(x -> set.contains(String.valueOf(x)));
                }
                return inSet(v, set, values, numbers);
            });
            default -> { // pmatch: the value is one of the paths or lies below one
                List<String> prefixes = values.stream().map(p -> p.endsWith("/") ? p : p + "/").toList();
                yield test(field, v -> {
                    String s = str(v);
                    if (set.contains(s)) {
                        return true;
                    }
                    for (String p : prefixes) {
                        if (s.startsWith(p)) {
                            return true;
                        }
                    }
                    return false;
                });
            }
        };
    }

    private static boolean inSet(Object v, Set<String> set, List<String> values, List<Long> numbers) {
        if (v instanceof Falco.Types t) {
            return t.anyIn(set);
        }
        if (v instanceof Falco.Value fv) {
            for (String literal : values) {
                if (fv.is(literal, parseLong(literal))) {
                    return true;
                }
            }
            return false;
        }
        if (v instanceof Number n && !numbers.isEmpty()) {
            return numbers.contains(n.longValue());
        }
        return set.contains(str(v));
    }

    private static Condition scalarOp(Lexer lx, Lexer.Token at, String op, Function<Map<String, Object>, Object> field, String literal)
            throws RuleException {
        Long number = parseLong(literal);
        return switch (op) {
            case "=", "==" -> test(field, v -> equal(v, literal, number));
            case "!=" -> {
                Condition eq = test(field, v -> equal(v, literal, number));
                yield e -> field.apply(e) != null && !eq.test(e);
            }
            case "<", "<=", ">", ">=" -> {
                if (number == null) {
                    throw lx.error(at, "'" + op + "' needs a number, found '" + literal + "'");
                }
                long n = number;
                yield test(field, x -> {
                    Long v = asLong(x);
                    if (v == null) {
                        return false;
                    }
                    return switch (op) {
                        case "<" -> v < n;
                        case "<=" -> v <= n;
                        case ">" -> v > n;
                        default -> v >= n;
                    };
                });
            }
            case "contains" -> test(field, v -> str(v).contains(literal));
            case "bcontains", "bstartswith" -> {
                String bytes = hexBytes(lx, at, literal);
                boolean starts = op.equals("bstartswith");
                yield test(field, v -> starts ? latin1(v).startsWith(bytes) : latin1(v).contains(bytes));
            }
            case "icontains" -> {
                String lower = literal.toLowerCase(Locale.ROOT);
                yield test(field, v -> str(v).toLowerCase(Locale.ROOT).contains(lower));
            }
            case "startswith" -> test(field, v -> str(v).startsWith(literal));
            case "endswith" -> test(field, v -> str(v).endsWith(literal));
            case "glob", "iglob" -> {
                com.google.re2j.Pattern p;
                try {
                    p = op.equals("glob") ? LinearRegex.glob(literal) : LinearRegex.iglob(literal);
                } catch (LinearRegex.BadPattern bad) {
                    throw lx.error(at, "bad glob: " + bad.getMessage());
                }
                yield test(field, v -> p.matches(str(v)));
            }
            case "regex" -> {
                com.google.re2j.Pattern p;
                try {
                    p = LinearRegex.compile(literal, com.google.re2j.Pattern.DOTALL);
                } catch (LinearRegex.BadPattern bad) {
                    throw lx.error(at, "bad regex: " + bad.getMessage());
                }
                yield test(field, v -> p.matcher(str(v)).find());
            }
            default -> throw lx.error(at, "unknown operator '" + op + "'");
        };
    }

    /** Falco's b-operators take hex ("0x7f454c46" or "7f454c46"); matched against the value's UTF-8 bytes, one char per byte. */
    private static String hexBytes(Lexer lx, Lexer.Token at, String literal) throws RuleException {
        String hex = literal.startsWith("0x") || literal.startsWith("0X") ? literal.substring(2) : literal;
        if (hex.isEmpty() || hex.length() % 2 != 0 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw lx.error(at, "'" + at.text() + "' is not hex bytes (such as 7f454c46)");
        }
        StringBuilder sb = new StringBuilder(hex.length() / 2);
        for (int i = 0; i < hex.length(); i += 2) {
            sb.append((char) Integer.parseInt(hex.substring(i, i + 2), 16));
        }
        return sb.toString();
    }

    private static String latin1(Object v) {
        return new String(str(v).getBytes(java.nio.charset.StandardCharsets.UTF_8), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static boolean equal(Object v, String literal, Long number) {
        if (v instanceof Falco.Value fv) {
            return fv.is(literal, number);
        }
        if (number != null && (v instanceof Number)) {
            return ((Number) v).longValue() == number;
        }
        if (v instanceof Boolean b) {
            return literal.equalsIgnoreCase(String.valueOf(b));
        }
        return str(v).equals(literal);
    }

    static String str(Object v) {
        if (v instanceof List<?> l) {
            StringBuilder sb = new StringBuilder();
            for (Object o : l) {
                if (!sb.isEmpty()) {
                    sb.append(' ');
                }
                sb.append(o);
            }
            return sb.toString();
        }
        return String.valueOf(v);
    }

    static boolean present(Object v) {
        return v != null && !"".equals(v) && !(v instanceof List<?> l && l.isEmpty());
    }

    private static Long parseLong(String s) {
        try {
            return Long.decode(s);
        } catch (NumberFormatException notNumber) {
            return null;
        }
    }

    private static Long asLong(Object v) {
        if (v instanceof Falco.Named named) {
            return named.number();
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        return v == null ? null : parseLong(String.valueOf(v));
    }
}
