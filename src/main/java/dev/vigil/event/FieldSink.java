package dev.vigil.event;

import java.util.List;
import java.util.Map;

/** Receives an event's fields by name (JSON output, rule field lookup). Names follow Elkeid's. */
public interface FieldSink {
    void field(String name, String value);

    void field(String name, long value);

    void field(String name, boolean value);

    void field(String name, List<String> values);

    /** A sink that puts every field into `map` (numbers as Long). */
    static FieldSink into(Map<String, Object> map) {
        return new FieldSink() {
            public void field(String name, String value) { map.put(name, value); }
            public void field(String name, long value) { map.put(name, value); }
            public void field(String name, boolean value) { map.put(name, value); }
            public void field(String name, List<String> values) { map.put(name, values); }
        };
    }
}
