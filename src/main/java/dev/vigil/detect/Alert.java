package dev.vigil.detect;

import java.util.List;
import java.util.Map;

/**
 * What a detection raised: the rule, its rendered output, every event that matched (one for a
 * rule, the steps for a sequence, the last for a threshold), and the process lineage at the time,
 * nearest first.
 */
public record Alert(String id, long timeNs, String rule, String kind, Priority priority, List<String> tags, String output,
                    String host, List<Map<String, Object>> events, List<Map<String, Object>> lineage, Map<String, Object> extra) {}
