package dev.vigil.enrich;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The join of the JVM RASP and the kernel: which Java call started a process. The RASP reports a
 * process start before the JVM forks (the JVM waits for the agent's answer, so the start is here
 * before the kernel's exec can be read); the kernel's exec of the JVM's child with the same argv
 * claims it, and that process and its descendants then carry the call's Java stack and request on
 * every kernel event: the reverse shell a servlet started names the servlet.
 */
public final class JavaOrigins {
    private static final int MAX_PENDING = 256;
    private static final int MAX_PROCESSES = 8192;
    private static final long PENDING_NS = 30_000_000_000L;

    private record Start(long jvmPid, List<String> argv, Map<String, Object> fields, long at) {}

    private final ArrayDeque<Start> pending = new ArrayDeque<>();
    /** Processes a Java call started, and their descendants: pid to the fields they carry. Oldest first, bounded. */
    private final LinkedHashMap<Long, Map<String, Object>> byPid = new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Map<String, Object>> eldest) {
            return size() > MAX_PROCESSES;
        }
    };

    /** A jvm_process event: a start the kernel's exec will claim. */
    public synchronized void started(Map<String, Object> raspEvent) {
        if (!(raspEvent.get("pid") instanceof Number pid) || !(raspEvent.get("jvm_args") instanceof List<?> argv)) {
            return;
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("jvm_pid", pid.longValue()); // the rest of Catalogue.JAVA_ORIGIN under its own names
        for (String f : dev.vigil.event.Catalogue.JAVA_ORIGIN) {
            Object v = raspEvent.get(f);
            if (v != null) {
                fields.put(f, v);
            }
        }
        long now = System.nanoTime();
        while (!pending.isEmpty() && (pending.size() >= MAX_PENDING || now - pending.peekFirst().at() > PENDING_NS)) {
            pending.pollFirst();
        }
        pending.addLast(new Start(pid.longValue(), argv.stream().map(String::valueOf).toList(), fields, now));
    }

    /** Whether any Java call's process is known or awaited: until one is, no kernel event has an origin to add. */
    public synchronized boolean active() {
        return !pending.isEmpty() || !byPid.isEmpty();
    }

    /** Adds the Java origin to a kernel event of a process a Java call started, or of its descendant; true when it did. */
    public synchronized boolean join(Map<String, Object> e) {
        if ((pending.isEmpty() && byPid.isEmpty()) || !(e.get("pid") instanceof Number p)) {
            return false;
        }
        long pid = p.longValue();
        Map<String, Object> origin = byPid.get(pid);
        if (origin == null && e.get("ppid") instanceof Number pp) {
            origin = "execve".equals(e.get("event")) ? claim(pp.longValue(), e.get("args")) : null;
            if (origin == null) {
                origin = byPid.get(pp.longValue());
            }
            if (origin != null) {
                byPid.put(pid, origin);
            }
        }
        if (origin == null) {
            return false;
        }
        e.putAll(origin);
        if ("exit".equals(e.get("event"))) {
            byPid.remove(pid);
        }
        return true;
    }

    private Map<String, Object> claim(long parent, Object args) {
        if (!(args instanceof List<?> argv) || argv.isEmpty()) {
            return null;
        }
        for (Iterator<Start> it = pending.iterator(); it.hasNext(); ) {
            Start s = it.next();
            if (s.jvmPid() == parent && sameStart(s.argv(), argv)) {
                it.remove();
                return s.fields();
            }
        }
        return null;
    }

    /** The kernel's argv may be cut short; what it has must be what Java asked for. */
    private static boolean sameStart(List<String> java, List<?> kernel) {
        int n = Math.min(java.size(), kernel.size());
        for (int i = 0; i < n; i++) {
            if (!java.get(i).equals(String.valueOf(kernel.get(i)))) {
                return false;
            }
        }
        return n > 0;
    }
}
