package dev.vigil.console;

import java.util.List;
import java.util.Map;

/**
 * What the console shows of the running agent besides the store: its health figures (events
 * per hook, losses per cause, CPU, RSS, store lag) and the rules it has loaded now.
 */
public interface AgentView {
    Map<String, Object> health();

    /** Each loaded detection: name, kind, priority, tags, source, and its evaluation errors. */
    List<Map<String, Object>> rules();

    /** No agent behind the store: an exported incident opened offline with `vigil show FILE`. */
    static AgentView offline(String file) {
        return new AgentView() {
            @Override
            public Map<String, Object> health() {
                return Map.of("offline", file);
            }

            @Override
            public List<Map<String, Object>> rules() {
                return List.of();
            }
        };
    }
}
