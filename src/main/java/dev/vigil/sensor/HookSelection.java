package dev.vigil.sensor;

import dev.vigil.event.EventType;

import java.util.EnumSet;
import java.util.Set;

/** Parses {@code --hooks default|all|NAME,NAME…}. */
public final class HookSelection {
    private HookSelection() {}

    /** "all", or load_module named: the user accepts the raw_syscalls fallback where a hook needs it. */
    public static boolean asksForRawSyscalls(String spec) {
        if (spec == null) {
            return false;
        }
        for (String name : spec.split(",")) {
            String n = name.trim();
            if (n.equals("all") || Hooks.find(n).filter(h -> h == EventType.LOAD_MODULE).isPresent()) {
                return true;
            }
        }
        return false;
    }

    public static Set<EventType> parse(String spec) {
        String s = spec == null ? "default" : spec.trim();
        if (s.equals("default")) {
            return Hooks.defaults();
        }
        if (s.equals("all")) {
            return Hooks.every();
        }
        EnumSet<EventType> set = EnumSet.noneOf(EventType.class);
        for (String name : s.split(",")) {
            if (name.isBlank()) {
                continue;
            }
            if (name.trim().equals("default")) {
                set.addAll(parse("default"));
                continue;
            }
            set.add(Hooks.find(name).orElseThrow(() -> new IllegalArgumentException(
                    "unknown hook '" + name.trim() + "': run 'vigil hooks' for the list, or use default or all")));
        }
        return set;
    }
}
