package dev.vigil.sink;

import dev.vigil.detect.Alert;

import java.time.Instant;

/** The JSON form of an alert: one line, everything attacker-controlled escaped by {@link JsonWriter}. */
public final class AlertJson {
    public static final int SCHEMA = 1;
    private final JsonWriter w = new JsonWriter();

    public StringBuilder write(Alert a) {
        w.begin();
        w.field("schema", SCHEMA);
        w.field("id", a.id());
        w.field("time", Instant.ofEpochSecond(0, a.timeNs()).toString());
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
}
