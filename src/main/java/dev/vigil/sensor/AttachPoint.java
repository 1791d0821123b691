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
 * per syscall, so the verifier checks it once instead of once per syscall.
 */
record AttachPoint(String name, String section, BpfProgram program, boolean shared) {
    private static final String TAG = "vigil.attach:";

    static List<AttachPoint> of(BpfObject obj) {
        Map<String, List<String>> tags = obj.btf().functionTags(TAG);
        List<AttachPoint> points = new ArrayList<>();
        for (BpfProgram p : obj.programs()) {
            List<String> at = tags.get(p.name());
            if (at == null) {
                points.add(new AttachPoint(p.name(), p.section(), p, false));
                continue;
            }
            for (String tag : at) {
                String[] nameAndSection = tag.split(" ", 2);
                if (nameAndSection.length != 2 || !nameAndSection[1].startsWith("tracepoint/")) {
                    throw new IllegalStateException("program " + p.name() + ": tag '" + tag + "' is not 'name tracepoint/category/event'");
                }
                points.add(new AttachPoint(nameAndSection[0], nameAndSection[1], p, true));
            }
        }
        return points;
    }

    BpfLink attach() {
        return shared ? program.attachTracepoint(section.substring("tracepoint/".length()), name) : program.attach();
    }
}
