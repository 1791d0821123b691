package dev.vigil.detect;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A rule's output with {@code %field} (or {@code %{field}}) placeholders, resolved when the rule is compiled. */
public final class OutputTemplate {
    private static final Pattern FIELD = Pattern.compile("%\\{([^}]+)}|%([a-zA-Z_][a-zA-Z0-9_.]*(?:\\[[^\\]\\s]{1,512}])?)");
    private final List<String> literals = new ArrayList<>();
    private final List<Function<Map<String, Object>, Object>> fields = new ArrayList<>();
    private final String text;

    private OutputTemplate(String text) {
        this.text = text;
    }

    public static OutputTemplate compile(String text, String file, int line) throws RuleException {
        OutputTemplate t = new OutputTemplate(text == null ? "" : text);
        Matcher m = FIELD.matcher(t.text);
        int last = 0;
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            String trimmed = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
            var f = Fields.resolve(trimmed);
            if (f == null) {
                throw new RuleException(file, line, 1, "output uses unknown field '" + trimmed + "'");
            }
            t.literals.add(t.text.substring(last, m.start()));
            t.fields.add(f);
            last = m.start() + 1 + (m.group(1) != null ? name.length() + 2 : trimmed.length());
        }
        t.literals.add(t.text.substring(last));
        return t;
    }

    public String render(Map<String, Object> event) {
        StringBuilder sb = new StringBuilder(text.length() + 64);
        for (int i = 0; i < fields.size(); i++) {
            sb.append(literals.get(i));
            Object v = fields.get(i).apply(event);
            sb.append(v == null || "".equals(v) ? "<NA>" : ConditionParser.str(v));
        }
        sb.append(literals.getLast());
        return sb.toString();
    }

    public String text() {
        return text;
    }
}
