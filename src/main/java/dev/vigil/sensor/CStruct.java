package dev.vigil.sensor;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.ArrayList;
import java.util.List;

/** Builds an FFM struct layout padded the way a C compiler pads it, so Java can mirror vigil.h. */
final class CStruct {
    private CStruct() {}

    static StructLayout of(String name, MemoryLayout... members) {
        List<MemoryLayout> parts = new ArrayList<>();
        long offset = 0, align = 1;
        int pad = 0;
        for (MemoryLayout m : members) {
            long a = m.byteAlignment();
            align = Math.max(align, a);
            long skip = (a - offset % a) % a;
            if (skip > 0) {
                parts.add(MemoryLayout.paddingLayout(skip));
                offset += skip;
                pad++;
            }
            parts.add(m);
            offset += m.byteSize();
        }
        long tail = (align - offset % align) % align;
        if (tail > 0) {
            parts.add(MemoryLayout.paddingLayout(tail));
        }
        return MemoryLayout.structLayout(parts.toArray(MemoryLayout[]::new)).withName(name);
    }
}
