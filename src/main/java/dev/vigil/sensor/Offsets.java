package dev.vigil.sensor;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.StructLayout;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/** Member offsets of every {@link Wire} layout, computed once at start-up. */
final class Offsets {
    private static final Map<StructLayout, Map<String, Long>> BY_LAYOUT = new IdentityHashMap<>();
    static {
        for (StructLayout layout : Wire.ALL) {
            Map<String, Long> members = new HashMap<>();
            long at = 0;
            for (MemoryLayout m : layout.memberLayouts()) {
                if (!(m instanceof PaddingLayout)) {
                    members.put(m.name().orElseThrow(), at);
                }
                at += m.byteSize();
            }
            BY_LAYOUT.put(layout, members);
        }
    }

    private Offsets() {}

    static long of(StructLayout layout, String field) {
        Long at = BY_LAYOUT.get(layout).get(field);
        if (at == null) {
            throw new IllegalArgumentException(layout.name().orElse("?") + " has no member " + field);
        }
        return at;
    }
}
