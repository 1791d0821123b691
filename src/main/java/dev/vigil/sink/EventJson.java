package dev.vigil.sink;

import dev.vigil.enrich.EnrichedEvent;
import dev.vigil.event.Event;

import java.time.Instant;

/** The JSON form of an event (schema version {@link #SCHEMA}): common header, context, then the hook's fields. */
public final class EventJson {
    /** Bumped on any breaking change to the event JSON; additions keep it. */
    public static final int SCHEMA = 1;
    private final JsonWriter w = new JsonWriter();

    public StringBuilder write(EnrichedEvent en) {
        Event e = en.event();
        w.begin();
        w.field("schema", SCHEMA);
        w.field("ts", en.wallTimeNs());
        w.field("time", Instant.ofEpochSecond(0, en.wallTimeNs()).toString());
        e.header().fields(w);
        if (!en.exe().isEmpty()) {
            w.field("exe", en.exe());
        }
        w.field("username", en.username());
        w.field("container_id", en.containerId());
        if (en.container() != null) {
            w.field("container_runtime", en.container().runtime());
            w.field("container_image", en.container().image());
            w.field("container_privileged", en.container().privileged());
        }
        w.field("nodename", en.nodename());
        w.field("exec_id", en.execId());
        w.field("parent_exec_id", en.parentExecId());
        w.field("root_pns", en.rootPns());
        w.field("in_container", en.inContainer());
        e.fields(w);
        if (en.target() != null) {
            w.field("target_exe", en.target().exe());
            w.field("target_comm", en.target().comm());
        }
        return w.end();
    }
}
