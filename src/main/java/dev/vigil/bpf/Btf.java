package dev.vigil.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/** Read access to a BPF object's BTF: enough to learn a struct's size and member offsets, and an enum's values. */
public final class Btf {
    private static final int KIND_STRUCT = 4;
    private static final int KIND_ENUM = 6;
    private static final int KIND_FUNC = 12;
    private static final int KIND_DECL_TAG = 17;
    private final MemorySegment handle;

    Btf(MemorySegment handle) {
        this.handle = handle;
    }

    /** A struct as the compiler laid it out. */
    public record Struct(String name, long size, Map<String, Long> memberOffsets) {}

    public Optional<Struct> struct(String name) {
        try (Arena arena = Arena.ofConfined()) {
            int id = (int) Libbpf.BTF_FIND.invokeExact(handle, arena.allocateFrom(name), KIND_STRUCT);
            if (id < 0) {
                return Optional.empty();
            }
            // struct btf_type { u32 name_off; u32 info; u32 size; } then vlen x struct btf_member { u32 name_off; u32 type; u32 offset; }
            MemorySegment type = (MemorySegment) Libbpf.BTF_TYPE.invokeExact(handle, id);
            type = type.reinterpret(12);
            int info = type.get(JAVA_INT, 4);
            int vlen = info & 0xffff;
            boolean bitfieldEncoding = (info >>> 31) != 0;
            long size = Integer.toUnsignedLong(type.get(JAVA_INT, 8));
            MemorySegment members = MemorySegment.ofAddress(type.address() + 12).reinterpret(12L * vlen);
            Map<String, Long> offsets = new LinkedHashMap<>();
            for (int i = 0; i < vlen; i++) {
                int nameOff = members.get(JAVA_INT, 12L * i);
                int offset = members.get(JAVA_INT, 12L * i + 8);
                long bits = bitfieldEncoding ? offset & 0xffffff : Integer.toUnsignedLong(offset);
                String member = Libbpf.string((MemorySegment) Libbpf.BTF_NAME.invokeExact(handle, nameOff));
                offsets.put(member, bits / 8);
            }
            return Optional.of(new Struct(name, size, offsets));
        } catch (Throwable t) {
            throw new BpfException("btf: struct " + name, t);
        }
    }

    /** An enum's enumerators and values, in declaration order; empty when the BTF has no such enum. */
    public Map<String, Long> enumValues(String name) {
        try (Arena arena = Arena.ofConfined()) {
            int id = (int) Libbpf.BTF_FIND.invokeExact(handle, arena.allocateFrom(name), KIND_ENUM);
            Map<String, Long> values = new LinkedHashMap<>();
            if (id < 0) {
                return values;
            }
            // struct btf_type (12 bytes) then vlen x struct btf_enum { u32 name_off; s32 val; }
            MemorySegment type = ((MemorySegment) Libbpf.BTF_TYPE.invokeExact(handle, id)).reinterpret(12);
            int vlen = type.get(JAVA_INT, 4) & 0xffff;
            MemorySegment entries = MemorySegment.ofAddress(type.address() + 12).reinterpret(8L * vlen);
            for (int i = 0; i < vlen; i++) {
                String n = Libbpf.string((MemorySegment) Libbpf.BTF_NAME.invokeExact(handle, entries.get(JAVA_INT, 8L * i)));
                values.put(n, (long) entries.get(JAVA_INT, 8L * i + 4));
            }
            return values;
        } catch (Throwable t) {
            throw new BpfException("btf: enum " + name, t);
        }
    }

    /**
     * The {@code btf_decl_tag} strings on functions that start with `prefix` (the prefix removed),
     * by function name: how a BPF program says more about itself than its section can.
     */
    public Map<String, List<String>> functionTags(String prefix) {
        Map<String, List<String>> tags = new LinkedHashMap<>();
        try {
            int count = (int) Libbpf.BTF_TYPE_COUNT.invokeExact(handle);
            for (int id = 1; id < count; id++) {
                // struct btf_type { u32 name_off; u32 info; u32 size_or_type; } then, for a decl tag, s32 component_idx
                MemorySegment type = ((MemorySegment) Libbpf.BTF_TYPE.invokeExact(handle, id)).reinterpret(16);
                int info = type.get(JAVA_INT, 4);
                if (((info >>> 24) & 0x1f) != KIND_DECL_TAG || type.get(JAVA_INT, 12) != -1) {
                    continue;
                }
                String tag = Libbpf.string((MemorySegment) Libbpf.BTF_NAME.invokeExact(handle, type.get(JAVA_INT, 0)));
                MemorySegment target = ((MemorySegment) Libbpf.BTF_TYPE.invokeExact(handle, type.get(JAVA_INT, 8))).reinterpret(12);
                if (!tag.startsWith(prefix) || ((target.get(JAVA_INT, 4) >>> 24) & 0x1f) != KIND_FUNC) {
                    continue;
                }
                String function = Libbpf.string((MemorySegment) Libbpf.BTF_NAME.invokeExact(handle, target.get(JAVA_INT, 0)));
                tags.computeIfAbsent(function, f -> new ArrayList<>()).add(tag.substring(prefix.length()));
            }
            return tags;
        } catch (Throwable t) {
            throw new BpfException("btf: tags " + prefix, t);
        }
    }
}
