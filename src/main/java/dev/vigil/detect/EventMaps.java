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
        m.put("nodename", en.nodename());
        m.put("root_pns", en.rootPns());
        m.put("in_container", en.inContainer());
        en.event().fields(sink);
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

    /** Numbers from a JSON parser as Long, lists of strings as List<String>: the live form. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> normalise(Map<String, Object> parsed) {
        Map<String, Object> m = new LinkedHashMap<>(parsed.size());
        parsed.forEach((k, v) -> {
            if (v instanceof Integer i) {
                m.put(k, i.longValue());
            } else if (v instanceof List<?> l) {
                m.put(k, l.stream().map(String::valueOf).toList());
            } else {
                m.put(k, v);
            }
        });
        return m;
    }
}
