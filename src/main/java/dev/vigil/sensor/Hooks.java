package dev.vigil.sensor;

import dev.vigil.event.EventType;
import dev.vigil.event.KernelHook;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The kernel sensor's hooks: the event types whose declaration names a {@link KernelHook}. Syscall
 * hooks run at the syscall's exit only and read its arguments from the registers saved at entry,
 * so the default set attaches no sys_enter tracepoint (docs/design.md, "Hook points").
 */
public final class Hooks {
    private Hooks() {}

    private static final List<EventType> ALL = Arrays.stream(EventType.values()).filter(t -> t.def().hook() != null).toList();

    /** Every event type the sensor has a hook for, in catalogue order. */
    public static List<EventType> all() {
        return ALL;
    }

    public static KernelHook of(EventType type) {
        KernelHook h = type.def().hook();
        if (h == null) {
            throw new IllegalArgumentException(type.eventName() + " has no hook of its own");
        }
        return h;
    }

    public static boolean onByDefault(EventType type) {
        return type.def().hook() != null && type.def().hook().onByDefault();
    }

    public static Set<EventType> defaults() {
        EnumSet<EventType> set = EnumSet.noneOf(EventType.class);
        for (EventType t : ALL) {
            if (onByDefault(t)) {
                set.add(t);
            }
        }
        return set;
    }

    public static Set<EventType> every() {
        return ALL.isEmpty() ? EnumSet.noneOf(EventType.class) : EnumSet.copyOf(ALL);
    }

    /** By event name ("execve"), enum name ("EXECVE") or Elkeid number ("59"). */
    public static Optional<EventType> find(String name) {
        String n = name.trim();
        for (EventType t : ALL) {
            if (t.eventName().equals(n) || t.name().equals(n.toUpperCase(Locale.ROOT)) || String.valueOf(t.number()).equals(n)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
