package dev.vigil.sensor;

import dev.vigil.bpf.Btf;
import dev.vigil.event.EventType;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.StructLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Compares {@link Wire}'s layouts and the catalogue's type numbers with the BTF of the loaded
 * object; any difference is a build defect.
 */
final class WireCheck {
    private WireCheck() {}

    /** Differences, one line each; empty when Java and C agree. */
    static List<String> differences(Btf btf) {
        List<String> out = new ArrayList<>();
        for (StructLayout layout : Wire.ALL) {
            String name = layout.name().orElseThrow();
            var struct = btf.struct(name);
            if (struct.isEmpty()) {
                out.add("struct " + name + ": not in the object's BTF");
                continue;
            }
            if (struct.get().size() != layout.byteSize()) {
                out.add("struct " + name + ": size C " + struct.get().size() + ", Java " + layout.byteSize());
            }
            long javaOffset = 0;
            for (MemoryLayout member : layout.memberLayouts()) {
                if (!(member instanceof PaddingLayout)) {
                    String m = member.name().orElseThrow();
                    Long cOffset = struct.get().memberOffsets().get(m);
                    if (cOffset == null) {
                        out.add("struct " + name + ": member " + m + " missing in C");
                    } else if (cOffset != javaOffset) {
                        out.add("struct " + name + "." + m + ": offset C " + cOffset + ", Java " + javaOffset);
                    }
                }
                javaOffset += member.byteSize();
            }
            long javaMembers = layout.memberLayouts().stream().filter(m -> !(m instanceof PaddingLayout)).count();
            if (javaMembers != struct.get().memberOffsets().size()) {
                out.add("struct " + name + ": C has " + struct.get().memberOffsets().size() + " members, Java " + javaMembers);
            }
        }
        out.addAll(typeNumbers(btf));
        out.addAll(lossCauses(btf));
        out.addAll(watchedActions(btf));
        return out;
    }

    /** The C enum `name`'s values from the object's BTF; null, with the reason added to `out`, when the BTF has none. */
    private static java.util.Map<String, Long> cEnum(Btf btf, String name, List<String> out) {
        var c = btf.enumValues(name);
        if (c.isEmpty()) {
            out.add("enum " + name + ": not in the object's BTF");
            return null;
        }
        return c;
    }

    /** Each of `names` from index `from` on, as `prefix` + its name in upper case, against its index in the C enum `c`. */
    private static List<String> inOrder(java.util.Map<String, Long> c, String what, String prefix, List<String> names, int from) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < names.size(); i++) {
            String name = prefix + names.get(i).toUpperCase(java.util.Locale.ROOT);
            if (!Long.valueOf(i).equals(c.get(name))) {
                out.add(what + " " + names.get(i) + ": " + name + " is " + c.get(name) + " in C, " + i + " in Java");
            }
        }
        return out;
    }

    /** enum vigil_watched_action against FileEvent.WATCHED_ACTIONS, both ways: WATCHED_ + each name at its index (0 is none). */
    static List<String> watchedActions(Btf btf) {
        List<String> out = new ArrayList<>();
        var c = cEnum(btf, "vigil_watched_action", out);
        if (c == null) {
            return out;
        }
        List<String> names = dev.vigil.event.FileEvent.WATCHED_ACTIONS;
        out.addAll(inOrder(c, "watched_change action", "WATCHED_", names, 1));
        if (c.size() != names.size() - 1) {
            out.add("enum vigil_watched_action: " + c.size() + " actions in C, " + (names.size() - 1) + " in Java");
        }
        return out;
    }

    /** enum vigil_loss against LossReport: each cause L_ + its name at its index, their count, and the all-hooks slot. */
    static List<String> lossCauses(Btf btf) {
        List<String> out = new ArrayList<>();
        var c = cEnum(btf, "vigil_loss", out);
        if (c == null) {
            return out;
        }
        String[] causes = LossReport.KERNEL_CAUSES;
        out.addAll(inOrder(c, "loss cause", "L_", List.of(causes), 0));
        if (!Long.valueOf(causes.length).equals(c.get("L_CAUSES"))) {
            out.add("enum vigil_loss: L_CAUSES is " + c.get("L_CAUSES") + " in C, " + causes.length + " causes in Java");
        }
        if (!Long.valueOf(LossReport.ALL_HOOKS).equals(c.get("L_ALL_HOOKS"))) {
            out.add("enum vigil_loss: L_ALL_HOOKS is " + c.get("L_ALL_HOOKS") + " in C, " + LossReport.ALL_HOOKS + " in Java");
        }
        if (EventType.ofNumber(LossReport.ALL_HOOKS) != null) {
            out.add("enum vigil_loss: L_ALL_HOOKS is the type slot of " + EventType.ofNumber(LossReport.ALL_HOOKS).eventName());
        }
        return out;
    }

    /** Each C enumerator of enum vigil_type against the Java type T_ + name, both ways; T_SLOTS is a size. */
    static List<String> typeNumbers(Btf btf) {
        List<String> out = new ArrayList<>();
        var c = cEnum(btf, "vigil_type", out);
        if (c == null) {
            return out;
        }
        for (EventType t : EventType.values()) {
            Long n = c.get(t.cName());
            if (n == null) {
                out.add("event type " + t.eventName() + ": no " + t.cName() + " in enum vigil_type");
            } else if (n != t.number()) {
                out.add("event type " + t.eventName() + ": " + t.cName() + " is " + n + " in C, " + t.number() + " in Java");
            }
        }
        c.forEach((name, n) -> {
            if (!name.equals("T_SLOTS") && EventType.ofNumber(n.intValue()) == null) {
                out.add("enum vigil_type: " + name + " = " + n + " has no Java declaration");
            }
        });
        return out;
    }
}
