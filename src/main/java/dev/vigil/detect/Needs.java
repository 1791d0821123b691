package dev.vigil.detect;

import dev.vigil.event.Catalogue;
import dev.vigil.event.EventKind;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What an event must be for a condition to hold, as far as the kernel's filters can tell: the
 * event types it can be (null: any), for file events the paths it can concern (null: any path),
 * whether a call that failed can match, and the process names it can match (null: any). Always a
 * superset of what really matches (an {@code and} keeps either side's constraint, a {@code not}
 * keeps none), so a filter built from it never hides a match.
 *
 * @param failures whether a call that failed can match; false only when the condition requires
 *                 success (a connect still in progress counts as success: the kernel never folds it)
 * @param names    the values {@code proc.name} (the event's {@code comm}) must have, compared
 *                 exactly; null when the condition holds for any name. The engine looks a
 *                 detection up by the event's name with it.
 */
public record Needs(Set<String> types, Paths paths, Paths mentioned, boolean failures, Set<String> names) {
    /** A constraint without mentions. */
    Needs(Set<String> types, Paths paths) {
        this(types, paths, paths == null ? Paths.NONE : paths, true, null);
    }

    Needs(Set<String> types, Paths paths, Paths mentioned, boolean failures) {
        this(types, paths, mentioned, failures, null);
    }

    /** Files by name, directories by their direct entries, trees by everything below them. */
    public record Paths(Set<String> files, Set<String> dirs, Set<String> trees) {
        static final Paths NONE = new Paths(Set.of(), Set.of(), Set.of());

        static Paths of(Collection<String> files, Collection<String> dirs, Collection<String> trees) {
            return new Paths(new TreeSet<>(files), new TreeSet<>(dirs), new TreeSet<>(trees));
        }

        Paths plus(Paths o) {
            Set<String> f = new TreeSet<>(files), d = new TreeSet<>(dirs), t = new TreeSet<>(trees);
            f.addAll(o.files);
            d.addAll(o.dirs);
            t.addAll(o.trees);
            return new Paths(f, d, t);
        }

        public boolean isEmptyPaths() {
            return files.isEmpty() && dirs.isEmpty() && trees.isEmpty();
        }
    }

    public static final Needs ANY = new Needs(null, null, Paths.NONE, true, null);

    /** What a negated condition needs: anything, and it names no path worth watching. */
    static Needs not() {
        return ANY;
    }

    private static Paths mentions(List<Needs> parts) {
        Paths m = Paths.NONE;
        for (Needs n : parts) {
            m = m.plus(n.mentioned);
        }
        return m;
    }

    static Needs and(List<Needs> parts) {
        Set<String> types = null, names = null;
        Paths paths = null;
        boolean failures = true;
        for (Needs n : parts) {
            types = meet(types, n.types);
            names = meet(names, n.names);
            if (paths == null) {
                paths = n.paths; // either side's constraint is a sound superset of the conjunction
            }
            failures &= n.failures;
        }
        return new Needs(types, paths, mentions(parts), failures, names);
    }

    static Needs or(List<Needs> parts) {
        Set<String> types = new TreeSet<>(), names = new TreeSet<>();
        Paths paths = Paths.of(List.of(), List.of(), List.of());
        boolean failures = false;
        for (Needs n : parts) {
            types = join(types, n.types);
            names = join(names, n.names);
            if (paths != null) {
                paths = n.paths == null ? null : paths.plus(n.paths);
            }
            failures |= n.failures;
        }
        return new Needs(types, paths, mentions(parts), failures, names);
    }

    /** Both constraints at once (null: none). */
    private static Set<String> meet(Set<String> a, Set<String> b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? null : new TreeSet<>(b)) : a;
        }
        a.retainAll(b);
        return a;
    }

    /** Either constraint (null: none, so the union is none). */
    private static Set<String> join(Set<String> a, Set<String> b) {
        if (a == null || b == null) {
            return null;
        }
        a.addAll(b);
        return a;
    }

    /** Fields whose value is the event's process name ({@code comm}), compared as text. */
    static final Set<String> NAME_FIELDS = Set.of("proc.name", "comm");

    /** A comparison of the process name: = or in pins it to the literals; anything else leaves it free. */
    static Needs names(String op, List<String> values) {
        return switch (op) {
            case "=", "==", "in" -> new Needs(null, null, Paths.NONE, true, new TreeSet<>(values));
            default -> ANY;
        };
    }

    /** Every event type of a source other than the kernel's (a k8s_audit rule's): nothing for the kernel to collect. */
    static Needs source(String source) {
        Set<String> out = new TreeSet<>();
        for (EventKind t : Catalogue.kinds()) {
            if (t.def().source().equals(source)) {
                out.add(t.eventName());
            }
        }
        return new Needs(out, null);
    }

    /** What `n` needs of one source's event types: all of them when `n` names none. */
    static Needs within(Needs n, String source) {
        Needs all = source(source);
        if (n.types() == null) {
            return all;
        }
        Set<String> out = new TreeSet<>(n.types());
        out.retainAll(all.types());
        return new Needs(out, null);
    }

    /** The Vigil event types a comparison of evt.type with these values can hold for. */
    static Needs types(Collection<String> literals) {
        Set<String> out = new TreeSet<>();
        for (EventKind t : Catalogue.kinds()) {
            Set<String> names = t.def().falcoTypes();
            for (String l : literals) {
                if (l.equals(t.eventName()) || names.contains(l)) {
                    out.add(t.eventName());
                }
            }
        }
        return new Needs(out, null);
    }

    /** evt.is_open_read / evt.is_open_write compared with true: only opens of that kind can hold. */
    static Needs access(String field, String literal) {
        if (!literal.equalsIgnoreCase("true")) {
            return ANY;
        }
        return switch (field) {
            case "evt.is_open_read" -> new Needs(new TreeSet<>(Set.of("open", "file_read", "process_memory")), null);
            case "evt.is_open_write" -> new Needs(new TreeSet<>(Set.of("open", "file_write", "create_file", "sysctl_write", "process_memory")), null);
            default -> ANY;
        };
    }

    /** Fields of the call's result. */
    static final Set<String> OUTCOME_FIELDS = Set.of("evt.failed", "evt.res", "evt.rawres", "res");

    /** Results that are not failures the kernel may fold: success, and a connect still in progress. */
    private static final Set<String> NOT_FAILED = Set.of("SUCCESS", "EINPROGRESS");

    /**
     * A comparison of the call's result: whether it lets a failed call match. Recognised:
     * {@code evt.failed = false}, {@code evt.res} equal to or in SUCCESS and EINPROGRESS, and
     * {@code evt.rawres} (or {@code res}) at least 0; anything else may match a failure.
     */
    static Needs outcome(String field, String op, List<String> values) {
        boolean eq = op.equals("=") || op.equals("==") || op.equals("in");
        boolean successOnly = switch (field) {
            case "evt.failed" -> eq && values.size() == 1 && values.getFirst().equalsIgnoreCase("false");
            case "evt.res" -> eq && !values.isEmpty() && values.stream().allMatch(NOT_FAILED::contains);
            case "evt.rawres", "res" -> values.size() == 1 && atLeastZero(op, values.getFirst());
            default -> false;
        };
        return successOnly ? new Needs(null, null, Paths.NONE, false) : ANY;
    }

    private static boolean atLeastZero(String op, String value) {
        long v;
        try {
            v = Long.parseLong(value);
        } catch (NumberFormatException notANumber) {
            return false;
        }
        return switch (op) {
            case ">=", "=", "==" -> v >= 0;
            case ">" -> v >= -1;
            default -> false;
        };
    }

    /** Fields whose value is the path a file event concerns. */
    private static final Set<String> PATH_FIELDS = Set.of("fd.name", "evt.arg.name", "evt.arg.path", "evt.arg.filename",
            "evt.arg.pathname", "evt.arg.oldpath", "evt.arg.newpath", "evt.arg.target", "evt.arg.linkpath", "file", "file_path",
            "filename", "old_name", "new_name");

    /** A comparison of a path field: which paths an event can have for it to hold; null when the field or operator says nothing. */
    static Needs path(String field, String op, List<String> values) {
        boolean directory = field.equals("fd.directory");
        if (!directory && !PATH_FIELDS.contains(field)) {
            return ANY;
        }
        Set<String> files = new LinkedHashSet<>(), dirs = new LinkedHashSet<>(), trees = new LinkedHashSet<>();
        for (String v : values) {
            if (!v.startsWith("/")) {
                return ANY; // a relative or empty value names no place
            }
            switch (op) {
                case "=", "==", "in" -> (directory ? dirs : files).add(strip(v));
                case "pmatch" -> trees.add(strip(v));
                case "startswith" -> {
                    // "/var/lib/rpm": that directory's tree and its siblings by name; deeper paths under
                    // a sibling such as /var/lib/rpmx/y are the one thing this leaves out
                    trees.add(strip(v));
                    if (!v.endsWith("/")) {
                        dirs.add(parent(v));
                    }
                }
                case "glob" -> {
                    int wild = firstWildcard(v);
                    if (wild < 0) {
                        (directory ? dirs : files).add(strip(v));
                    } else {
                        trees.add(parent(v.substring(0, wild + 1)));
                    }
                }
                default -> {
                    return ANY;
                }
            }
        }
        if (directory) {
            // the value is the directory: its entries, or for a prefix everything below
            return new Needs(null, Paths.of(List.of(), dirs, trees));
        }
        return new Needs(null, Paths.of(files, op.equals("startswith") ? dirs : List.of(), trees));
    }

    private static int firstWildcard(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '*' || c == '?' || c == '[') {
                return i;
            }
        }
        return -1;
    }

    private static String strip(String p) {
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    /** The directory holding everything that starts with `prefix` ("/etc/cron" → "/etc"). */
    private static String parent(String prefix) {
        int slash = prefix.lastIndexOf('/');
        return slash <= 0 ? "/" : prefix.substring(0, slash);
    }
}
