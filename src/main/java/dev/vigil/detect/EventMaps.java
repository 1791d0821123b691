package dev.vigil.detect;

import dev.vigil.enrich.EnrichedEvent;
import dev.vigil.enrich.ProcessInfo;
import dev.vigil.event.FieldSink;
import dev.vigil.event.PidTree;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The form rules read: an event's JSON fields as a map (the same names and values {@code vigil
 * events} prints, so recorded events replay identically), plus the process context the cache
 * knows: {@code proc_args}, {@code parent_exe}, {@code parent_comm}, {@code parent_args}.
 */
public final class EventMaps {
    private EventMaps() {}

    public static Map<String, Object> of(EnrichedEvent en) {
        EventMap m = new EventMap(64);
        en.fields(new FieldSink() {
            public void field(String name, String value) { m.put(name, value); }
            public void field(String name, long value) { m.put(name, value); }
            public void field(String name, boolean value) { m.put(name, value); }
            public void field(String name, List<String> values) { m.put(name, values); }
            public void rendered(String name, java.util.function.Supplier<String> value) { m.put(name, new EventMap.Deferred(value::get)); }
            public void ancestry(PidTree tree) { // as FieldSink.into, made when a rule or an output reads it
                m.put("pid_tree", new EventMap.Deferred(tree::elkeid));
                m.put("ancestors", new EventMap.Deferred(() -> FieldSink.nodes(tree)));
            }
        });
        ProcessInfo self = en.process(), parent = en.parent();
        if (self != null && !m.containsKey("args")) {
            m.put("proc_args", self.args());
        }
        if (parent != null) {
            m.put("parent_exe", parent.exe());
            m.put("parent_comm", parent.comm());
            m.put("parent_args", parent.args());
        }
        return m;
    }

    /**
     * A parsed JSON object in the live form: whole numbers as Long, lists of scalars as
     * List<String>, {@code ancestors} as a list of {pid: Long, comm: String}. Values of
     * unexpected types stay as they are; rules treat them as absent or as text.
     */
    public static Map<String, Object> normalise(Map<?, ?> parsed) {
        Map<String, Object> m = new LinkedHashMap<>(parsed.size());
        parsed.forEach((k, v) -> {
            String key = String.valueOf(k);
            if (key.equals("ancestors") && v instanceof List<?> l) {
                List<Map<String, Object>> nodes = new java.util.ArrayList<>(l.size());
                for (Object o : l) {
                    if (o instanceof Map<?, ?> node && number(node.get("pid")) instanceof Long pid) {
                        Object start = number(node.get("start"));
                        nodes.add(Map.of("pid", pid, "start", start instanceof Long s ? s : 0L, "comm", String.valueOf(node.get("comm"))));
                    }
                }
                m.put(key, nodes);
            } else if (v instanceof List<?> l) {
                m.put(key, l.stream().map(String::valueOf).toList());
            } else {
                m.put(key, number(v));
            }
        });
        return m;
    }

    private static Object number(Object v) {
        return switch (v) {
            case Integer i -> i.longValue();
            case Short s -> s.longValue();
            case java.math.BigInteger b -> b.bitLength() < 64 ? b.longValue() : b.toString();
            case null, default -> v;
        };
    }
}
