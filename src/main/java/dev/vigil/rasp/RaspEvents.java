package dev.vigil.rasp;

import dev.vigil.event.Catalogue;
import dev.vigil.event.EventKind;
import dev.vigil.event.RaspType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A RASP line turned into the event rules read. The line is the attached JVM's, and its strings
 * are the application's (or the attacker's): each field is taken only with the type it should have,
 * bounded, and the process fields come from what the agent knows of the JVM, never from the line.
 */
public final class RaspEvents {
    private RaspEvents() {}

    public static final int SCHEMA = 1;
    /** What a stack can show (the RASP's Marks, rasp/src): any other word on a line is not taken. */
    static final java.util.Set<String> MARKS = java.util.Set.of("deserialization", "jndi", "expression", "script", "reflection",
            "memory_class", "request");
    private static final int MAX_TEXT = 4096;
    private static final int MAX_ITEMS = 64;

    /** The event of one line, or null when the line names no RASP event type. */
    public static Map<String, Object> event(Jvm jvm, Map<String, Object> line, String host) {
        EventKind kind = line.get("event") instanceof String n ? Catalogue.kind(n) : null;
        if (!(kind instanceof RaspType)) {
            return null;
        }
        long now = System.currentTimeMillis() * 1_000_000L;
        long ts = line.get("ts") instanceof Number n && Math.abs(n.longValue() - now) < 3_600_000_000_000L ? n.longValue() : now;
        Map<String, Object> e = Catalogue.event(kind, SCHEMA, ts, host, 48);
        e.put("pid", (long) jvm.pid());
        if (jvm.nsPid() == jvm.pid() && line.get("tid") instanceof Number tid && tid.longValue() > 0) {
            e.put("tid", tid.longValue()); // the kernel's thread id: the JVM shares the host's pid namespace
        }
        e.put("uid", (long) jvm.uid());
        e.put("exe", jvm.exe());
        e.put("comm", "java");
        e.put("jvm_class", text(line.get("class")));
        e.put("jvm_method", text(line.get("method")));
        e.put("jvm_op", text(line.get("op")));
        e.put("jvm_target", text(line.get("target")));
        e.put("jvm_args", texts(line.get("args")));
        if (line.get("code_source") instanceof String source) {
            e.put("jvm_code_source", text(source));
        }
        e.put("jvm_thread", text(line.get("thread")));
        List<String> stack = texts(line.get("stack"));
        List<String> memory = texts(line.get("memory_classes"));
        e.put("jvm_stack", stack);
        Map<?, ?> http = line.get("http") instanceof Map<?, ?> m ? m : Map.of();
        e.put("jvm_stack_marks", texts(line.get("marks")).stream().filter(MARKS::contains).distinct().toList());
        e.put("jvm_memory_classes", memory);
        e.put("jvm_main", jvm.main());
        e.put("jvm_version", jvm.version());
        if (!http.isEmpty()) {
            e.put("http_method", text(http.get("method")));
            e.put("http_url", text(http.get("url")));
            e.put("http_remote", text(http.get("remote")));
            e.put("http_handler", text(http.get("handler")));
        }
        return e;
    }

    private static String text(Object o) {
        if (!(o instanceof String s)) {
            return "";
        }
        return s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT);
    }

    private static List<String> texts(Object o) {
        if (!(o instanceof List<?> l)) {
            return List.of();
        }
        List<String> out = new ArrayList<>(Math.min(l.size(), MAX_ITEMS));
        for (Object x : l) {
            if (out.size() == MAX_ITEMS) {
                break;
            }
            if (x instanceof String s) {
                out.add(text(s));
            }
        }
        return out;
    }
}
