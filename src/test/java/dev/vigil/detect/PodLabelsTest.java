package dev.vigil.detect;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** k8s.pod.labels and k8s.pod.label[KEY] over the labels enrichment read from a pod's sandbox. */
class PodLabelsTest {
    private static final Map<String, Object> EXEC = Map.of("event", "execve", "container_id", "0123456789ab", "k8s_pod_name", "web-1",
            "k8s_pod_labels", List.of("app:web", "app.kubernetes.io/part-of:shop", "tier:front"));

    @Test
    void aLabelByItsKeyAndNoneWhenThePodHasNoSuchLabel() {
        assertEquals("web", Fields.resolve("k8s.pod.label[app]").apply(EXEC));
        assertEquals("shop", Fields.resolve("k8s.pod.label[app.kubernetes.io/part-of]").apply(EXEC), "a key with dots and a slash");
        assertNull(Fields.resolve("k8s.pod.label[team]").apply(EXEC));
        assertNull(Fields.resolve("k8s.pod.label[app]").apply(Map.of("event", "execve")), "outside a pod");
    }

    @Test
    void aRuleNarrowedToOnePodsLabel() {
        RuleSet set = RuleLoader.loadText("t.yaml", """
                - rule: Shell in the front tier
                  condition: evt.type = execve and k8s.pod.label[tier] = front and k8s.pod.labels contains "app:web"
                  output: "labels=%k8s.pod.labels"
                """);
        assertEquals(List.of(), set.errors());
        Rule rule = (Rule) set.detections().getFirst();
        assertTrue(rule.condition().test(EXEC));
        assertFalse(rule.condition().test(Map.of("event", "execve", "k8s_pod_labels", List.of("tier:back"))));
    }
}
