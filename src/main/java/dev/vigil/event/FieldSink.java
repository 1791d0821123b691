package dev.vigil.event;

import java.util.List;
import java.util.Map;

/** Receives an event's fields by name (JSON output, rule field lookup). Names follow Elkeid's. */
public interface FieldSink {
    void field(String name, String value);

    void field(String name, long value);

    void field(String name, boolean value);

    void field(String name, List<String> values);

    /** {@code pid_tree} (Elkeid's string) and {@code ancestors}, the same chain as [{pid, start, comm}], nearest first. */
    void ancestry(PidTree tree);

    /**
     * A text field that renders others ({@code time} of {@code ts}, {@code argv} of {@code args}):
     * a sink that does without it (the store's row) or waits until it is read (the rules' form)
     * never makes the text; by default it is made now.
     */
    default void rendered(String name, java.util.function.Supplier<String> value) {
        field(name, value.get());
    }

    /** A sink that puts every field into `map` (numbers as Long). */
    static FieldSink into(Map<String, Object> map) {
        return new FieldSink() {
            public void field(String name, String value) { map.put(name, value); }
            public void field(String name, long value) { map.put(name, value); }
            public void field(String name, boolean value) { map.put(name, value); }
            public void field(String name, List<String> values) { map.put(name, values); }
            public void ancestry(PidTree tree) {
                map.put("pid_tree", tree.elkeid());
                map.put("ancestors", nodes(tree));
            }
        };
    }

    /** {@code ancestors} as a map holds it: [{pid, start, comm}], nearest first. */
    static List<Map<String, Object>> nodes(PidTree tree) {
        List<Map<String, Object>> nodes = new java.util.ArrayList<>(tree.nodes().size());
        for (PidTree.Node n : tree.nodes()) {
            nodes.add(Map.of("pid", n.pid(), "start", n.start(), "comm", n.comm()));
        }
        return nodes;
    }
}
