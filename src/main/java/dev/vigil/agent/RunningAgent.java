package dev.vigil.agent;

import dev.vigil.console.AgentView;
import dev.vigil.detect.Engine;
import dev.vigil.detect.Rule;
import dev.vigil.detect.SequenceRule;
import dev.vigil.detect.ThresholdRule;
import dev.vigil.store.StoreWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The console's view of `vigil run`: the sensor's, engine's and store's live figures, the last
 * integrity pass (once one ran), and the rules loaded now.
 */
public record RunningAgent(SensorSession session, Engine engine, StoreWriter store, java.util.function.Supplier<IntegrityWatch> integrity) implements AgentView {

    @Override
    public Map<String, Object> health() {
        Map<String, Object> h = new LinkedHashMap<>(session.health());
        h.put("alerts", engine.alerts());
        h.put("repeats_folded", engine.folded());
        h.put("rule_errors", engine.ruleErrorTotal());
        h.put("store_rows_written", store.written());
        h.put("store_dropped", store.dropped());
        h.put("store_lag", store.lag());
        h.put("rss_bytes", rssBytes(ProcessHandle.current().pid()));
        IntegrityWatch i = integrity.get();
        if (i != null) {
            h.putAll(i.health());
        }
        return h;
    }

    @Override
    public List<Map<String, Object>> rules() {
        return describe(engine.rules(), engine.ruleErrors());
    }

    /** Each detection of `set` as the console lists it, with its evaluation errors. */
    public static List<Map<String, Object>> describe(dev.vigil.detect.RuleSet set, Map<String, Long> errors) {
        return set.detections().stream().map(d -> {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", d.name());
            r.put("kind", switch (d) {
                case Rule x -> "rule";
                case ThresholdRule x -> "threshold";
                case SequenceRule x -> "sequence";
            });
            r.put("priority", d.priority().name());
            r.put("tags", d.tags());
            r.put("source", d.source());
            r.put("desc", d.desc());
            r.put("errors", errors.getOrDefault(d.name(), 0L));
            return r;
        }).toList();
    }

    /** A process's resident set in bytes, -1 when it cannot be read (gone, or no procfs). */
    public static long rssBytes(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
