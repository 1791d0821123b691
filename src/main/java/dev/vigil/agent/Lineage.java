package dev.vigil.agent;

import dev.vigil.detect.Engine;
import dev.vigil.enrich.ProcessInfo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An alert's lineage, from the event and the process cache. */
public final class Lineage {
    private Lineage() {}

    /**
     * The alert's lineage: the event's own ancestry (the kernel's, by identity), each process
     * completed from the cache only when the cache holds that very process (same pid and start);
     * the cache's chain where the event carries no ancestry.
     */
    public static List<Map<String, Object>> of(SensorSession s, Map<String, Object> e) {
        List<Map<String, Object>> fromEvent = Engine.lineageFromTree(e);
        if (s == null) {
            return fromEvent;
        }
        if (!fromEvent.isEmpty()) {
            for (Map<String, Object> m : fromEvent) {
                long start = m.get("start") instanceof Number n ? n.longValue() : 0;
                ProcessInfo p = s.cache().get(((Number) m.get("pid")).intValue(), start);
                if (p != null && start != 0) {
                    m.put("exe", p.exe());
                    m.put("cmdline", p.cmdline());
                    m.put("uid", (long) p.uid());
                }
            }
            return fromEvent;
        }
        if (!(e.get("pid") instanceof Number pid)) {
            return fromEvent;
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (ProcessInfo p : s.cache().lineage(pid.intValue(), 12)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pid", (long) p.pid());
            m.put("start", p.startTime());
            m.put("comm", p.comm());
            m.put("exe", p.exe());
            m.put("cmdline", p.cmdline());
            m.put("uid", (long) p.uid());
            out.add(m);
        }
        return out;
    }

}
