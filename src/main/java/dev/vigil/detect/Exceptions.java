package dev.vigil.detect;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Falco's rule exceptions, compiled into one condition that is true when the event is excepted:
 * {@code fields: [proc.name, fd.name]}, {@code comps: [=, startswith]} (default {@code =}), and
 * {@code values: [[sshd, /etc/ssh]]}; with a single field, {@code values: [a, b]} means {@code in}.
 */
final class Exceptions {
    private Exceptions() {}

    static Condition compile(String file, Node node, ConditionParser parser) throws RuleException {
        if (!(node instanceof SequenceNode seq)) {
            throw RuleLoader.err(file, node, "exceptions is a list of {name, fields, comps, values}");
        }
        List<Condition> any = new ArrayList<>();
        for (Node ex : seq.getValue()) {
            if (!(ex instanceof MappingNode m)) {
                throw RuleLoader.err(file, ex, "an exception is a mapping with name, fields, values");
            }
            Map<String, Node> f = RuleLoader.keys(file, m);
            Node fieldsNode = f.get("fields");
            if (fieldsNode == null || f.get("values") == null) {
                continue; // Falco allows exceptions declared without values, filled in by a later append
            }
            boolean single = fieldsNode instanceof ScalarNode;
            List<String> fields = RuleLoader.strings(file, fieldsNode);
            List<String> comps = f.containsKey("comps") ? RuleLoader.strings(file, f.get("comps")) : List.of();
            if (!(f.get("values") instanceof SequenceNode values)) {
                throw RuleLoader.err(file, f.get("values"), "values is a list");
            }
            for (Node tuple : values.getValue()) {
                List<String> vals = single ? List.of(RuleLoader.scalar(file, tuple)) : RuleLoader.strings(file, tuple);
                if (vals.size() != fields.size()) {
                    throw RuleLoader.err(file, tuple, "exception values have " + vals.size() + " items for " + fields.size() + " fields");
                }
                StringBuilder cond = new StringBuilder();
                for (int i = 0; i < fields.size(); i++) {
                    String comp = single ? (comps.isEmpty() ? "=" : comps.get(0)) : (i < comps.size() ? comps.get(i) : "=");
                    if (i > 0) {
                        cond.append(" and ");
                    }
                    String v = vals.get(i);
                    boolean list = comp.equals("in") || comp.equals("pmatch") || comp.equals("intersects");
                    cond.append(fields.get(i)).append(' ').append(comp).append(' ')
                            .append(list ? (v.startsWith("(") ? v : "(" + quote(v) + ")") : quote(v));
                }
                any.add(parser.compile(cond.toString(), RuleLoader.origin(file, tuple)));
            }
        }
        return e -> {
            for (Condition c : any) {
                if (c.test(e)) {
                    return true;
                }
            }
            return false;
        };
    }

    private static String quote(String v) {
        return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
