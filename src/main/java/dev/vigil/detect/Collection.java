package dev.vigil.detect;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a rule set makes the kernel collect (docs/design.md, "The rules decide what the kernel
 * collects"): the event types some rule can match, and for opens of files the paths some rule
 * reads, to be watched in the kernel: files by name
 * and inode, directories by their entries, trees by everything below them. Rules that read
 * every open (no path in their condition) are named, since Vigil reports opens of watched files
 * only.
 *
 * @param types      event names some rule can match; null when a rule can match any event
 * @param reads      paths whose opens for reading some rule reads
 * @param writes     paths whose opens for writing (or creation) some rule reads
 * @param byRule     each detection's event types (null: any)
 * @param everyOpen  detections that read opens without naming a path
 * @param successOnly detections that match only calls that succeeded (or connects in progress): a
 *                   failure the kernel folds is nothing they would have counted
 */
public record Collection(Set<String> types, Needs.Paths reads, Needs.Paths writes, Map<String, Set<String>> byRule, List<String> everyOpen,
                         Set<String> successOnly) {
    /** Opens of a file, as the file hooks report them for watched paths. */
    static final Set<String> OPENS = Set.of("open", "file_read", "file_write", "create_file");

    static Collection of(Map<String, Needs> needs) {
        Set<String> types = new TreeSet<>();
        Needs.Paths reads = Needs.Paths.of(List.of(), List.of(), List.of()), writes = reads;
        Map<String, Set<String>> byRule = new TreeMap<>();
        List<String> everyOpen = new ArrayList<>();
        Set<String> successOnly = new TreeSet<>();
        for (var en : needs.entrySet()) {
            Needs n = en.getValue();
            byRule.put(en.getKey(), n.types());
            if (!n.failures()) {
                successOnly.add(en.getKey());
            }
            if (types != null) {
                if (n.types() == null) {
                    types = null;
                } else {
                    types.addAll(n.types());
                }
            }
            Set<String> t = n.types();
            // only file_read and file_write depend on the watch list: create_file reports every new file,
            // and Vigil's own "open" hook every open when it is switched on
            boolean read = t == null || t.contains("file_read");
            boolean write = t == null || t.contains("file_write");
            Needs.Paths p = n.paths() != null ? n.paths() : n.mentioned();
            if (n.paths() == null && t != null && (read || write)) {
                everyOpen.add(en.getKey());
            }
            if (n.paths() != null || t != null) { // a rule for any event type names paths of other things too
                reads = read ? reads.plus(p) : reads;
                writes = write ? writes.plus(p) : writes;
            }
        }
        return new Collection(types, reads, writes, byRule, List.copyOf(everyOpen), successOnly);
    }

    public boolean needs(String eventName) {
        return types == null || types.contains(eventName);
    }
}
