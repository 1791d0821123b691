package dev.vigil.event;

import java.util.List;

/** Receives an event's fields by name (JSON output, rule field lookup). Names follow Elkeid's. */
public interface FieldSink {
    void field(String name, String value);

    void field(String name, long value);

    void field(String name, boolean value);

    void field(String name, List<String> values);
}
