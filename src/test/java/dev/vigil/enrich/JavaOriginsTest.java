package dev.vigil.enrich;

import dev.vigil.event.Catalogue;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kernel's join to the RASP on recorded maps: which exec claims a Java start, and who inherits it. */
class JavaOriginsTest {
    private static Map<String, Object> start(long jvm, List<String> argv) {
        Map<String, Object> e = new HashMap<>(Map.of("event", "jvm_process", "pid", jvm, "jvm_args", argv,
                "jvm_stack", List.of("dev.example.Handler.handle(Handler.java:9)"), "http_url", "/run?cmd=id", "jvm_main", "dev.example.App"));
        e.put("jvm_stack_marks", List.of("request"));
        return e;
    }

    private static Map<String, Object> kernel(String event, long pid, long ppid, List<String> args) {
        Map<String, Object> e = new HashMap<>(Map.of("event", event, "pid", pid, "ppid", ppid));
        if (args != null) {
            e.put("args", args);
        }
        return e;
    }

    @Test
    void theExecWithJavasArgvClaimsItsStartAndDescendantsCarryIt() {
        JavaOrigins o = new JavaOrigins();
        o.started(start(100, List.of("sh", "-c", "id")));
        assertFalse(o.join(kernel("execve", 200, 100, List.of("/usr/lib/jvm/jdk/lib/jspawnhelper", "7:8:9"))), "the JVM's helper is not the start");
        Map<String, Object> sh = kernel("execve", 200, 100, List.of("sh", "-c", "id"));
        assertTrue(o.join(sh));
        assertEquals(100L, sh.get("jvm_pid"));
        assertEquals("/run?cmd=id", sh.get("http_url"));
        assertTrue(Catalogue.JAVA_ORIGIN.containsAll(sh.keySet().stream().filter(k -> k.startsWith("jvm_") || k.startsWith("http_")).toList()),
                "only the catalogue's declared origin fields are added: " + sh.keySet());
        Map<String, Object> child = kernel("connect", 300, 200, null);
        assertTrue(o.join(child), "a descendant carries the origin on");
        assertEquals("dev.example.App", child.get("jvm_main"));
        assertFalse(o.join(kernel("execve", 201, 100, List.of("sh", "-c", "id"))), "a start is claimed once");
        assertFalse(o.join(kernel("execve", 400, 1, List.of("sh", "-c", "id"))), "another parent's exec is not the JVM's");
    }
}
