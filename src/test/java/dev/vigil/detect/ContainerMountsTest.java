package dev.vigil.detect;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Falco's container.mount fields over an exec event's container_mounts, and Falco's sensitive-mount test written as Falco writes it. */
class ContainerMountsTest {
    private static Map<String, Object> start(List<String> mounts) {
        Map<String, Object> e = new HashMap<>(Map.of("event", "execve", "container_id", "0123456789ab", "container_mounts", mounts));
        e.put("container_image", "docker.io/library/nginx");
        return e;
    }

    private static Object field(String name, Map<String, Object> e) {
        return Fields.resolve(name).apply(e);
    }

    @Test
    void byIndexByGlobAndNoneAsFalcoSaysIt() {
        Map<String, Object> e = start(List.of("/etc:/host/etc:ro:false:rprivate", "/var/run/docker.sock:/var/run/docker.sock::true:rprivate"));
        assertEquals("/host/etc", field("container.mount.dest[/etc]", e));
        assertEquals("/var/run/docker.sock", field("container.mount.dest[/var/run/*.sock]", e));
        assertEquals("/etc", field("container.mount.source[/host/*]", e), "for .source the glob is on the destination");
        assertEquals("/var/run/docker.sock", field("container.mount.source[1]", e));
        assertEquals("ro", field("container.mount.mode[0]", e));
        assertEquals("false", field("container.mount.rdwr[/etc]", e));
        assertEquals("rprivate", field("container.mount.propagation[/etc]", e));
        assertEquals("/etc:/host/etc:ro:false:rprivate", field("container.mount[0]", e));
        assertEquals("N/A", field("container.mount.dest[/proc*]", e));
        assertEquals("none", field("container.mount[/proc*]", e));
        assertEquals("N/A", field("container.mount.dest[5]", e));
        assertEquals("/etc:/host/etc:ro:false:rprivate /var/run/docker.sock:/var/run/docker.sock::true:rprivate", field("container.mounts", e));
        assertEquals("latest", field("container.image.tag", e), "no tag named: latest");
        assertNull(field("container.mount.dest[/etc]", Map.of("event", "execve", "container_id", "")), "the host has no container mounts");
    }

    @Test
    void aPathWithColonsKeepsItsParts() {
        assertEquals(List.of("/srv/a:b", "/data:x", "", "true", ""), List.of(ContainerMounts.split("/srv/a:b:/data:x::true:")));
        assertNull(ContainerMounts.split("garbage"));
    }

    @Test
    void falcosSensitiveMountMacroMeansAMountOfThosePaths() {
        RuleSet set = RuleLoader.loadText("t.yaml", """
                - macro: sensitive_mount
                  condition: (not container.mount.dest[/proc*] in ("<NA>","N/A") or not container.mount.dest[/var/run/docker.sock] in ("<NA>","N/A"))
                - rule: Sensitive mount
                  condition: evt.type=execve and container.id != host and sensitive_mount
                  output: "mounts=%container.mounts"
                """);
        assertEquals(List.of(), set.errors());
        Rule rule = (Rule) set.detections().getFirst();
        assertTrue(rule.condition().test(start(List.of("/var/run/docker.sock:/run/d.sock::true:rprivate"))));
        assertFalse(rule.condition().test(start(List.of("/srv/www:/usr/share/nginx/html:ro:false:rprivate"))));
        assertFalse(rule.condition().test(start(List.of())));
    }
}
