package dev.vigil.cli;

import dev.vigil.detect.Fields;
import dev.vigil.event.Catalogue;
import dev.vigil.event.EventKind;
import dev.vigil.event.EventType;
import dev.vigil.event.FieldDef;
import dev.vigil.sensor.Hooks;

import java.util.ArrayList;
import java.util.List;

/**
 * The catalogue as tables: the README's table of events ({@code vigil hooks --markdown}) and
 * docs/fields.md ({@code vigil fields --markdown}), from the declarations alone (no kernel
 * needed), so that a test holds the documents to them.
 */
public final class Docs {
    private Docs() {}

    /** The table, from the declarations alone (no kernel needed), so a test can hold the README to it. */
    public static String hooksMarkdown() {
        StringBuilder sb = new StringBuilder("| type | event | set | what it is | fields (see `vigil fields`) | route in the kernel |\n"
                + "|---|---|---|---|---|---|\n");
        for (EventType h : Hooks.all()) {
            sb.append("| ").append(h.number()).append(" | ").append(h.eventName()).append(" | ")
                    .append(Hooks.onByDefault(h) ? "default" : "sandbox").append(" | ").append(cell(h.def().description())).append(" | ")
                    .append(String.join(", ", h.def().fields())).append(" | ").append(cell(Hooks.of(h).mechanism())).append(" |\n");
        }
        return sb.toString();
    }

    private static String cell(String s) {
        return s.replace("|", "\\|");
    }


    /** One row: a catalogue field, or a Falco field computed from them. */
    public record Row(String name, String kind, String source, String events, String falco, String description) {}

    public static List<Row> fieldRows() {
        List<Row> rows = new ArrayList<>();
        for (String name : Catalogue.fieldNames()) {
            FieldDef f = Catalogue.field(name);
            List<EventKind> carriers = Catalogue.carriers(name);
            List<String> ofSources = carriers.stream().map(k -> k.def().source()).distinct().toList();
            long kindsOfThoseSources = Catalogue.kinds().stream().filter(k -> ofSources.contains(k.def().source())).count();
            String events = carriers.size() == Catalogue.kinds().size() ? "all"
                    : carriers.size() > 1 && carriers.size() == kindsOfThoseSources ? "all of " + String.join(", ", ofSources)
                    : String.join(" ", carriers.stream().map(EventKind::eventName).toList());
            String sources = String.join(" ", ofSources);
            java.util.Set<String> falco = new java.util.LinkedHashSet<>(f.falco());
            for (EventKind k : carriers) {
                k.def().falcoArgs().forEach((arg, field) -> {
                    if (field.equals(name)) {
                        falco.add("evt.arg." + arg);
                    }
                });
            }
            rows.add(new Row(name, f.kind().label(), sources.isEmpty() ? "recording" : sources, events.isEmpty() ? "recordings" : events,
                    String.join(" ", falco), f.description()));
        }
        Fields.computed().forEach((name, c) -> {
            boolean everySource = Fields.sources(name).size() > 1;
            rows.add(new Row(name, "falco", everySource ? "all" : "syscall", everySource ? "all" : "all of syscall", name, c.description()));
        });
        Fields.auditComputed().forEach((name, d) -> rows.add(new Row(name, "falco", "k8s_audit", "k8s_audit", name, d)));
        return rows;
    }

    public static String fieldsMarkdown() {
        List<Row> rows = fieldRows();
        StringBuilder sb = new StringBuilder("| field | kind | Falco | what it holds | events |\n|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append("| `").append(r.name()).append("` | ").append(r.kind()).append(" | ")
                    .append(r.falco().isEmpty() ? "" : "`" + r.falco().replace(" ", "` `") + "`").append(" | ")
                    .append(cell(r.description())).append(" | ").append(r.events()).append(" |\n");
        }
        return sb.toString();
    }
}
