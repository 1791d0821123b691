package dev.vigil.agent;

import dev.vigil.detect.Collection;
import dev.vigil.detect.Needs;
import dev.vigil.event.EventType;
import dev.vigil.sensor.Hooks;
import dev.vigil.sensor.Watch;
import dev.vigil.sink.Escape;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The kernel's filters, from what the loaded rules read (docs/design.md, "The rules decide what
 * the kernel collects"): the hooks attached are those of event types some rule can match, and the
 * paths some rule reads opens of join the kernel's watch list, for reading, writing or both, whole
 * subtrees where a rule names a prefix.
 */
public final class RuleDrivenCollection {
    private RuleDrivenCollection() {}

    /**
     * Hooks for the rules: those of event types a rule can match (the default set when some rule
     * can match any event), exec always (the process cache lives on it), and DNS with any
     * connection hook (a connection's addresses are named by the replies seen: fd.sip.name). The
     * hooks that report every open or every write are never switched on by a rule: they cost what
     * Falco costs.
     */
    public static Set<EventType> hooks(Collection c) {
        EnumSet<EventType> out = EnumSet.of(EventType.EXECVE);
        for (EventType h : Hooks.all()) {
            boolean asked = c.types() == null ? Hooks.onByDefault(h) : c.types().contains(h.eventName());
            if (asked && h != EventType.OPEN && h != EventType.WRITE) {
                out.add(h);
            }
        }
        if (out.contains(EventType.CONNECT) || out.contains(EventType.ACCEPT) || out.contains(EventType.LISTEN)) {
            out.add(EventType.DNS);
        }
        return out;
    }

    /**
     * Failed connects the kernel sends per process, destination, port and error in its window
     * before it folds the rest: the largest count of a threshold rule that can count a failed
     * connect, and at least SensorOptions.DEFAULT_CONNECT_REPEATS. A rule that requires success
     * (the stock brute-force rule) and a distinct count are left out: the kernel never folds a
     * success or a connect in progress, and the first attempt at every port is always sent.
     */
    public static int connectRepeats(dev.vigil.detect.RuleSet set) {
        int most = dev.vigil.sensor.SensorOptions.DEFAULT_CONNECT_REPEATS;
        Map<String, Set<String>> types = set.collection().byRule();
        for (dev.vigil.detect.Detection d : set.detections()) {
            if (d instanceof dev.vigil.detect.ThresholdRule t && t.distinct() == null && !set.collection().successOnly().contains(t.name())
                    && (types.get(t.name()) == null || types.get(t.name()).contains(EventType.CONNECT.eventName()))) {
                most = Math.max(most, t.count());
            }
        }
        return most;
    }

    /** The JVM RASP's event types some rule reads: the hooks the RASP installs in each JVM. */
    public static Set<String> raspEvents(Collection c) {
        Set<String> out = new java.util.TreeSet<>();
        for (dev.vigil.event.RaspType t : dev.vigil.event.RaspType.values()) {
            if (c.needs(t.eventName())) {
                out.add(t.eventName());
            }
        }
        return out;
    }

    /** The JVM RASP's event types some blocking rule reads: the JVM waits for the agent's verdict on these calls. */
    public static Set<String> raspBlocking(dev.vigil.detect.RuleSet set) {
        Set<String> jvm = new java.util.TreeSet<>();
        for (dev.vigil.event.RaspType t : dev.vigil.event.RaspType.values()) {
            jvm.add(t.eventName());
        }
        Set<String> out = new java.util.TreeSet<>();
        for (dev.vigil.detect.Detection d : set.detections()) {
            if (d instanceof dev.vigil.detect.Rule r && r.block()) {
                Set<String> types = set.collection().byRule().get(r.name());
                out.addAll(types == null ? jvm : types.stream().filter(jvm::contains).toList());
            }
        }
        return out;
    }

    /** The paths the rules read opens of, each with what it reports (read, write, below). */
    public static List<Watch> watches(Collection c) {
        Map<Path, Integer> bits = new LinkedHashMap<>();
        add(bits, c.reads(), Watch.READ);
        add(bits, c.writes(), Watch.WRITE);
        List<Watch> out = new ArrayList<>();
        bits.forEach((p, b) -> out.add(new Watch(p, b)));
        return out;
    }

    private static void add(Map<Path, Integer> bits, Needs.Paths paths, int access) {
        for (String f : paths.files()) {
            bits.merge(Path.of(f), access, (a, b) -> a | b);
        }
        for (String d : paths.dirs()) {
            bits.merge(Path.of(d), access, (a, b) -> a | b);
        }
        for (String t : paths.trees()) {
            bits.merge(Path.of(t), access | Watch.TREE, (a, b) -> a | b);
        }
    }

    /** What `vigil rules check --collect` prints: the cost of the rules before they run. */
    public static void print(Collection c, PrintStream out) {
        Set<EventType> on = hooks(c);
        List<String> attached = new ArrayList<>(), left = new ArrayList<>();
        for (EventType h : Hooks.all()) {
            (on.contains(h) ? attached : left).add(h.eventName() + (Hooks.onByDefault(h) ? "" : " (sandbox)"));
        }
        out.println("hooks attached (" + attached.size() + "): " + String.join(", ", attached));
        out.println("hooks left out, no rule reads them (" + left.size() + "): " + (left.isEmpty() ? "none" : String.join(", ", left)));
        if (c.types() == null) {
            out.println("  (a rule names no event type, so every default hook is attached)");
        }
        Set<String> jvm = raspEvents(c);
        out.println("JVM RASP events hooked in each attached JVM (" + jvm.size() + "): " + (jvm.isEmpty() ? "none: no JVM is attached" : String.join(", ", jvm)));
        print("opens watched for reading", c.reads(), out);
        print("opens watched for writing", c.writes(), out);
        if (!c.everyOpen().isEmpty()) {
            out.println("rules that read opens without naming a path (Vigil reports opens of watched paths only; "
                    + "--hooks open reports them all, at Falco's cost): " + String.join("; ", c.everyOpen().stream().map(Escape::line).toList()));
        }
    }

    private static void print(String what, Needs.Paths p, PrintStream out) {
        if (p.isEmptyPaths()) {
            out.println(what + " beyond the default watch list: none");
            return;
        }
        out.println(what + " beyond the default watch list:");
        if (!p.files().isEmpty()) {
            out.println("  files: " + Escape.line(String.join(" ", p.files())));
        }
        if (!p.dirs().isEmpty()) {
            out.println("  directories (their entries): " + Escape.line(String.join(" ", p.dirs())));
        }
        if (!p.trees().isEmpty()) {
            out.println("  trees (everything below): " + Escape.line(String.join(" ", p.trees())));
        }
    }
}
