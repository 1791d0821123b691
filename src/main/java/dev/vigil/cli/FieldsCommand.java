package dev.vigil.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.detect.Fields;
import dev.vigil.event.Catalogue;
import dev.vigil.event.EventKind;
import dev.vigil.event.FieldDef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
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

    /** One row: a catalogue field, or a Falco field computed from them. */
    record Row(String name, String kind, String source, String events, String falco, String description) {}

    static List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (String name : Catalogue.fieldNames()) {
            FieldDef f = Catalogue.field(name);
            List<EventKind> carriers = Catalogue.carriers(name);
            String events = carriers.size() == Catalogue.kinds().size() ? "all"
                    : String.join(" ", carriers.stream().map(EventKind::eventName).toList());
            String sources = String.join(" ", carriers.stream().map(k -> k.def().source()).distinct().toList());
            rows.add(new Row(name, f.kind().label(), sources.isEmpty() ? "recording" : sources, events.isEmpty() ? "recordings" : events,
                    String.join(" ", f.falco()), f.description()));
        }
        Fields.computed().forEach((name, c) -> rows.add(new Row(name, "falco", "syscall", "all", name, c.description())));
        return rows;
    }

    @Override
    public Integer call() throws Exception {
        List<Row> rows = rows();
        if (json) {
            ObjectMapper m = new ObjectMapper();
            ArrayNode out = m.createArrayNode();
            for (Row r : rows) {
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
            System.out.print(markdown(rows));
        } else {
            System.out.printf("%-26s %-9s %-8s %-30s %s%n", "FIELD", "KIND", "SOURCE", "FALCO", "DESCRIPTION (EVENTS)");
            for (Row r : rows) {
                System.out.printf("%-26s %-9s %-8s %-30s %s (%s)%n", r.name(), r.kind(), r.source(), r.falco().isEmpty() ? "-" : r.falco(),
                        r.description(), r.events());
            }
        }
        return 0;
    }

    static String markdown(List<Row> rows) {
        StringBuilder sb = new StringBuilder("| field | kind | Falco | what it holds | events |\n|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append("| `").append(r.name()).append("` | ").append(r.kind()).append(" | ")
                    .append(r.falco().isEmpty() ? "" : "`" + r.falco().replace(" ", "` `") + "`").append(" | ")
                    .append(r.description().replace("|", "\\|")).append(" | ").append(r.events()).append(" |\n");
        }
        return sb.toString();
    }
}
