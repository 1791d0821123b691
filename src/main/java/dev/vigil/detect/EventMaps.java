package dev.vigil.detect;

import dev.vigil.enrich.EnrichedEvent;
import dev.vigil.enrich.ProcessInfo;
import dev.vigil.event.FieldSink;

import java.time.Instant;
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
        Map<String, Object> m = new LinkedHashMap<>(64);
        FieldSink sink = FieldSink.into(m);
        m.put("schema", 1L);
        m.put("ts", en.wallTimeNs());
        m.put("time", Instant.ofEpochSecond(0, en.wallTimeNs()).toString());
        en.event().header().fields(sink);
        if (!en.exe().isEmpty()) {
            m.put("exe", en.exe());
        }
        m.put("username", en.username());
        m.put("container_id", en.containerId());
        if (en.container() != null) {
            m.put("container_runtime", en.container().runtime());
            m.put("container_image", en.container().image());
            m.put("container_privileged", en.container().privileged());
        }
        m.put("nodename", en.nodename());
        m.put("exec_id", en.execId());
        m.put("parent_exec_id", en.parentExecId());
        m.put("root_pns", en.rootPns());
        m.put("in_container", en.inContainer());
        en.event().fields(sink);
        if (en.target() != null) {
            m.put("target_exe", en.target().exe());
            m.put("target_comm", en.target().comm());
        }
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
