package dev.vigil.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code vigil fields}: every field a rule can use, from the event catalogue, as Falco's {@code --list} does. */
@Command(name = "fields", description = "List every field a rule can use: name, kind, source, the event types that carry it, "
        + "what it holds, the Falco fields that read it.")
final class FieldsCommand implements Callable<Integer> {
    @Option(names = "--json", description = "One JSON document, for tools.")
    boolean json;

    @Option(names = "--markdown", description = "A Markdown table, as the README shows it.")
    boolean markdown;

    @Override
    public Integer call() throws Exception {
        List<Docs.Row> rows = Docs.fieldRows();
        if (json) {
            ObjectMapper m = new ObjectMapper();
            ArrayNode out = m.createArrayNode();
            for (Docs.Row r : rows) {
                ObjectNode o = out.addObject();
                o.put("name", r.name());
                o.put("kind", r.kind());
                o.put("source", r.source());
                ArrayNode ev = o.putArray("events");
                for (String e : r.events().split(" ")) {
                    ev.add(e);
                }
                ArrayNode falco = o.putArray("falco");
                for (String f : r.falco().isEmpty() ? new String[0] : r.falco().split(" ")) {
                    falco.add(f);
                }
                o.put("description", r.description());
            }
            System.out.println(m.writerWithDefaultPrettyPrinter().writeValueAsString(out));
        } else if (markdown) {
            System.out.print(Docs.fieldsMarkdown());
        } else {
            System.out.printf("%-26s %-9s %-8s %-30s %s%n", "FIELD", "KIND", "SOURCE", "FALCO", "DESCRIPTION (EVENTS)");
            for (Docs.Row r : rows) {
                System.out.printf("%-26s %-9s %-8s %-30s %s (%s)%n", r.name(), r.kind(), r.source(), r.falco().isEmpty() ? "-" : r.falco(),
                        r.description(), r.events());
            }
        }
        return 0;
    }
}
