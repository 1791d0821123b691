package dev.vigil.sink;

import dev.vigil.detect.Alert;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The JSON form of an alert: one line, everything attacker-controlled escaped by {@link JsonWriter}. */
public final class AlertJson {
    public static final int SCHEMA = 1;
    private final JsonWriter w = new JsonWriter();

    public StringBuilder write(Alert a) {
        w.begin();
        w.field("schema", SCHEMA);
        w.field("id", a.id());
        w.field("time", dev.vigil.event.WallTime.iso(a.timeNs()));
        w.field("ts", a.timeNs());
        w.field("rule", a.rule());
        w.field("kind", a.kind());
        w.field("priority", a.priority().name());
        w.field("tags", a.tags());
        w.field("output", a.output());
        w.field("host", a.host());
        a.extra().forEach(w::field);
        w.field("events", (Object) a.events());
        w.field("lineage", (Object) a.lineage());
        return w.end();
    }

    private static final Set<String> OWN = Set.of("schema", "id", "time", "ts", "rule", "kind", "priority", "tags", "output", "host", "events", "lineage");

    /** An alert as {@link #write} wrote it (another server's, read from Kafka); fields beyond the alert's own go back to its extra. */
    @SuppressWarnings("unchecked")
    public static Alert read(Map<String, Object> m) {
        if (!(m.get("id") instanceof String id) || !(m.get("ts") instanceof Number ts) || !(m.get("rule") instanceof String rule)
                || !(m.get("kind") instanceof String kind) || !(m.get("priority") instanceof String priority)) {
            throw new IllegalArgumentException("not an alert: it lacks id, ts, rule, kind or priority");
        }
        List<String> tags = new ArrayList<>();
        if (m.get("tags") instanceof List<?> t) {
            t.forEach(x -> tags.add(String.valueOf(x)));
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            if (!OWN.contains(k)) {
                extra.put(k, v);
            }
        });
        return new Alert(id, ts.longValue(), rule, kind, dev.vigil.detect.Priority.parse(priority), tags, String.valueOf(m.get("output")),
                String.valueOf(m.get("host")), maps(m.get("events")), maps(m.get("lineage")), extra);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> maps(Object list) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (list instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof Map<?, ?> e) {
                    out.add((Map<String, Object>) e);
                }
            }
        }
        return out;
    }
}
