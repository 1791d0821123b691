package dev.vigil.sensor;

import dev.vigil.event.EventType;

import dev.vigil.bpf.BpfObject;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** Whether this kernel has the attach points a hook needs ("yes", "partial", "no"), and if not, why. */
public record HookAvailability(String label, String note) {
    private static List<String[]> programs;

    public static synchronized HookAvailability of(EventType hook) {
        if (Hooks.of(hook).programPrefixes().isEmpty()) {
            return new HookAvailability("yes", "");
        }
        if (!Files.isDirectory(KernelSupport.TRACEFS.resolve("events/syscalls"))) {
            return new HookAvailability("unknown", "tracefs is not mounted: run as root (vigil mounts it)");
        }
        if (programs == null) {
            programs = new ArrayList<>();
            try (BpfObject obj = BpfObject.open("vigil", Sensor.objectBytes())) {
                for (AttachPoint p : AttachPoint.of(obj)) {
                    programs.add(new String[] {p.name(), p.section()});
                }
            }
        }
        int have = 0;
        List<String> missing = new ArrayList<>();
        for (String[] p : programs) {
            if (Hooks.of(hook).programPrefixes().stream().noneMatch(p[0]::startsWith)) {
                continue;
            }
            String why = KernelSupport.missingAttachPoint(p[1]);
            if (why == null) {
                have++;
            } else {
                missing.add(why);
            }
        }
        if (missing.isEmpty()) {
            return new HookAvailability(have > 0 ? "yes" : "no", have > 0 ? "" : "no BPF program built for it");
        }
        String why = missing.size() == 1 ? missing.get(0) : missing.size() + " tracepoints missing (" + missing.get(0) + ", …)";
        if (hook == EventType.LOAD_MODULE) {
            why = "no module syscall tracepoints: this kernel has no module support, so no module can load;"
                    + " attempts are reported through raw_syscalls with --hooks all or --hooks load_module";
        }
        return new HookAvailability(have > 0 ? "partial" : "no", why);
    }
}
