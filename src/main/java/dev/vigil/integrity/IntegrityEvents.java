package dev.vigil.integrity;

import dev.vigil.event.IntegrityType;
import dev.vigil.event.Catalogue;

import java.util.Map;

/** A finding as an event of the catalogue's integrity types: what rules, the store and the console read. */
public final class IntegrityEvents {
    private IntegrityEvents() {}

    static final int SCHEMA = 1;

    public static IntegrityType kind(Finding f) {
        return switch (f.check().kind()) {
            case KERNEL -> IntegrityType.KERNEL_INTEGRITY;
            case PROCESS -> IntegrityType.HIDDEN_PROCESS;
            case USERLAND -> IntegrityType.USERLAND_ROOTKIT;
        };
    }

    public static Map<String, Object> of(Finding f, String host) {
        IntegrityType kind = kind(f);
        Map<String, Object> e = Catalogue.event(kind, SCHEMA, System.currentTimeMillis() * 1_000_000L, host, 16);
        if (kind != IntegrityType.KERNEL_INTEGRITY && f.pid() != 0) {
            e.put("pid", (long) f.pid());
            e.put("comm", f.comm());
            e.put("exe", f.exe());
        }
        e.put("integrity_check", f.check().id());
        e.put("integrity_subject", f.subject());
        if (kind == IntegrityType.KERNEL_INTEGRITY) {
            e.put("integrity_address", f.address() == 0 ? "" : "0x" + Long.toHexString(f.address()));
            e.put("integrity_owner", f.owner());
        }
        e.put("integrity_detail", f.detail());
        if (kind == IntegrityType.USERLAND_ROOTKIT) {
            e.put("integrity_symbols", f.symbols());
        }
        return e;
    }
}
