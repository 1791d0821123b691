package dev.vigil.sink;

import dev.vigil.enrich.EnrichedEvent;

/** The JSON form of an event ({@link EnrichedEvent#fields}, schema {@link EnrichedEvent#SCHEMA}), one line, reusing one buffer. */
public final class EventJson {
    private final JsonWriter w = new JsonWriter();

    public StringBuilder write(EnrichedEvent en) {
        w.begin();
        en.fields(w);
        return w.end();
    }
}
