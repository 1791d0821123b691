package dev.vigil.sensor;

import dev.vigil.bpf.BpfLink;
import dev.vigil.bpf.BpfObject;
import dev.vigil.bpf.BpfProgram;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where a program runs, under the name hook selection knows it by. Most programs have one: their
 * section. A program whose body suits several syscalls of one record format (every path-naming
 * exit, every open exit) is built once and tagged in C with {@code ATTACH_AT(name, tracepoint)}
 * or {@code ATTACH_WITH(name, tracepoint, cookie)} per syscall, so the verifier checks it once
 * instead of once per syscall; the cookie tells it which syscall it is serving.
 */
record AttachPoint(String name, String section, BpfProgram program, boolean shared, long cookie) {
    private static final String TAG = "vigil.attach:";

    static List<AttachPoint> of(BpfObject obj) {
        Map<String, List<String>> tags = obj.btf().functionTags(TAG);
        List<AttachPoint> points = new ArrayList<>();
        for (BpfProgram p : obj.programs()) {
            List<String> at = tags.get(p.name());
            if (at == null) {
                points.add(new AttachPoint(p.name(), p.section(), p, false, 0));
                continue;
            }
            for (String tag : at) {
                String[] f = tag.split(" ");
                if (f.length < 2 || f.length > 3 || !f[1].startsWith("tracepoint/") || (f.length == 3 && !f[2].matches("\\d{1,18}"))) {
                    throw new IllegalStateException("program " + p.name() + ": tag '" + tag + "' is not 'name tracepoint/category/event [cookie]'");
                }
                points.add(new AttachPoint(f[0], f[1], p, true, f.length == 3 ? Long.parseLong(f[2]) : 0));
            }
        }
        return points;
    }

    BpfLink attach() {
        return shared ? program.attachTracepoint(section.substring("tracepoint/".length()), name, cookie) : program.attach();
    }
}
