package dev.vigil.agent;

import dev.vigil.detect.Alert;
import dev.vigil.detect.Engine;
import dev.vigil.detect.Priority;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Built into {@code vigil run}, whatever rules are loaded: an {@code agent_tamper} event (the
 * kernel decided someone signalled, traced or wrote into the agent), or a ptrace event aimed at
 * one of the agent's threads, becomes a CRITICAL alert naming who did it.
 */
public final class TamperAlerts implements Consumer<Map<String, Object>> {
    static final String RULE = "Vigil agent tampered with";
    private static final List<String> TAGS = List.of("vigil", "tamper", "mitre_defense_evasion", "T1562.001");
    private static final Map<Long, String> SIGNALS = Map.ofEntries(Map.entry(1L, "SIGHUP"), Map.entry(2L, "SIGINT"),
            Map.entry(3L, "SIGQUIT"), Map.entry(6L, "SIGABRT"), Map.entry(9L, "SIGKILL"), Map.entry(10L, "SIGUSR1"),
            Map.entry(12L, "SIGUSR2"), Map.entry(15L, "SIGTERM"), Map.entry(18L, "SIGCONT"), Map.entry(19L, "SIGSTOP"),
            Map.entry(20L, "SIGTSTP"));

    private final Consumer<Alert> out;
    private final Function<Map<String, Object>, List<Map<String, Object>>> lineage;
    private final long self = ProcessHandle.current().pid();
    private long raised;

    public TamperAlerts(Consumer<Alert> out, Function<Map<String, Object>, List<Map<String, Object>>> lineage) {
        this.out = out;
        this.lineage = lineage;
    }

    public long raised() {
        return raised;
    }

    /** The event types {@link #accept} looks at. */
    public static boolean reads(dev.vigil.event.EventType type) {
        return type == dev.vigil.event.EventType.AGENT_TAMPER || type == dev.vigil.event.EventType.PTRACE;
    }

    @Override
    public void accept(Map<String, Object> e) {
        Object type = e.get("event");
        if ("agent_tamper".equals(type) || ("ptrace".equals(type) && isAgentThread(e.get("target_pid")))) {
            raise(e);
        }
    }

    private boolean isAgentThread(Object target) {
        return target instanceof Number n && n.longValue() > 0
                && (n.longValue() == self || Files.exists(Path.of("/proc/self/task/" + n.longValue())));
    }

    private void raise(Map<String, Object> e) {
        String action = "ptrace".equals(e.get("event")) ? "ptrace" : String.valueOf(e.get("action"));
        String what = switch (action) {
            case "signal" -> "received " + SIGNALS.getOrDefault(number(e.get("sig")), "signal " + e.get("sig"));
            case "ptrace" -> "was ptrace'd (request " + e.get("ptrace_request") + ")";
            case "proc_mem_write" -> "had its memory opened for writing (" + e.get("file") + ")";
            case "process_vm_writev" -> "had its memory written with process_vm_writev";
            default -> "was acted on (" + action + ")";
        };
        boolean earlier = Boolean.TRUE.equals(e.get("previous_run"));
        String output = (earlier ? "The previous Vigil agent stopped without reporting it: it " : "Vigil agent (pid " + self + ") ")
                + what + " from pid " + e.get("pid") + " (" + e.get("comm") + ", " + e.get("exe") + ", uid " + e.get("uid") + ")";
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("action", action);
        extra.put("agent_pid", earlier ? e.get("target_pid") : self);
        extra.put("previous_run", earlier);
        long ts = e.get("ts") instanceof Number n ? n.longValue() : System.currentTimeMillis() * 1_000_000L;
        raised++;
        Object host = e.get("nodename");
        out.accept(new Alert(Engine.idOf(RULE + "|" + e.get("pid") + "|" + action, ts), ts, RULE, "tamper", Priority.CRITICAL, TAGS,
                output, host == null ? "" : host.toString(), List.of(e), lineage.apply(e), extra));
    }

    private static Long number(Object o) {
        return o instanceof Number n ? n.longValue() : null;
    }
}
