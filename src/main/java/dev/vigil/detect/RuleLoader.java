package dev.vigil.detect;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Loads rule files in Falco's YAML form ({@code - list:}, {@code - macro:}, {@code - rule:}) plus
 * Vigil's {@code - threshold:} and {@code - sequence:}. Later files may append to or override
 * earlier items. A broken rule is reported (file:line:column) and skipped; the rest still load.
 */
public final class RuleLoader {
    /** Larger than any real rule set (Falco's whole pack is under 1 MiB); a bigger file is refused, not parsed. */
    static final int MAX_FILE_BYTES = 16 << 20;

    private final Map<String, List<String>> lists = new LinkedHashMap<>();
    /** Where each list, macro and rule-like item was last defined ("file:line"), to tell redefinitions apart. */
    private final Map<String, String> definedAt = new LinkedHashMap<>();
    private final List<RuleException> warnings = new ArrayList<>();
    private final Map<String, ConditionParser.Macro> macros = new LinkedHashMap<>();
    private final Map<String, RawItem> rules = new LinkedHashMap<>();
    private final List<RuleException> errors = new ArrayList<>();

    /** A rule-like item before compilation: its YAML mapping, with appends folded in. */
    private static final class RawItem {
        final String kind;
        final String file;
        final int line;
        final Map<String, Node> fields = new LinkedHashMap<>();
        String conditionSuffix = "";
        final List<Node> extraExceptions = new ArrayList<>();

        RawItem(String kind, String file, int line) {
            this.kind = kind;
            this.file = file;
            this.line = line;
        }
    }

    public static RuleSet load(List<Path> paths) {
        RuleLoader l = new RuleLoader();
        for (Path p : paths) {
            for (Path f : ruleFiles(p, l.errors)) {
                try {
                    String text = read(f);
                    if (text != null) {
                        l.add(f.toString(), text);
                    }
                } catch (RuleException e) {
                    l.errors.add(e);
                }
            }
        }
        return l.compile();
    }

    /** The file as UTF-8; a byte that is not UTF-8 is reported where it is, not as "Input length = 1". */
    static String read(Path f) throws RuleException {
        byte[] bytes;
        try {
            if (Files.size(f) > MAX_FILE_BYTES) {
                throw RuleException.unreadable(f.toString(), "larger than " + (MAX_FILE_BYTES >> 20) + " MiB: not a rule file");
            }
            bytes = Files.readAllBytes(f);
        } catch (IOException e) {
            throw RuleException.unreadable(f.toString(), "cannot read: " + why(e));
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return utf8.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            int bad = firstInvalidUtf8(bytes);
            int line = 1, col = 1;
            for (int i = 0; i < bad; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    col = 1;
                } else if ((bytes[i] & 0xC0) != 0x80) {
                    col++;
                }
            }
            throw new RuleException(f.toString(), line, col, String.format("byte 0x%02x is not UTF-8: rule files are UTF-8 text", bytes[bad] & 0xff));
        }
    }

    private static int firstInvalidUtf8(byte[] b) {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b);
        var out = java.nio.CharBuffer.allocate(b.length + 1);
        var r = utf8.decode(in, out, true);
        return r.isError() ? in.position() : 0;
    }

    /** The reason an I/O call failed, in words: "permission denied", "no such file or folder"… */
    public static String why(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or folder";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason().toLowerCase(Locale.ROOT);
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    public static RuleSet loadText(String name, String yaml) {
        RuleLoader l = new RuleLoader();
        l.add(name, yaml);
        return l.compile();
    }

    /** A file, or the *.yaml / *.yml files of a folder in name order. */
    public static List<Path> ruleFiles(Path p, List<RuleException> errors) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            errors.add(RuleException.unreadable(p.toString(), "no such rule file or folder"));
            return List.of();
        } catch (IOException e) {
            errors.add(RuleException.unreadable(p.toString(), "cannot read: " + why(e)));
            return List.of();
        }
        if (a.isDirectory()) {
            try (Stream<Path> s = Files.list(p)) {
                return s.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
                        .filter(f -> !Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
            } catch (IOException | java.io.UncheckedIOException e) {
                IOException cause = e instanceof java.io.UncheckedIOException u ? u.getCause() : (IOException) e;
                errors.add(RuleException.unreadable(p.toString(), "cannot list the folder: " + why(cause)));
                return List.of();
            }
        }
        if (!a.isRegularFile()) {
            errors.add(RuleException.unreadable(p.toString(), "not a regular file or a folder"));
            return List.of();
        }
        return List.of(p);
    }

    private void add(String file, String yaml) {
        List<Node> docs = new ArrayList<>();
        try {
            LoaderOptions opts = new LoaderOptions();
            opts.setAllowDuplicateKeys(false);
            opts.setCodePointLimit(MAX_FILE_BYTES);
            opts.setMaxAliasesForCollections(50);
            opts.setNestingDepthLimit(50);
            for (Node n : new Yaml(opts).composeAll(new java.io.StringReader(yaml))) {
                docs.add(n);
            }
        } catch (MarkedYAMLException e) {
            var m = e.getProblemMark();
            errors.add(new RuleException(file, m == null ? 0 : m.getLine() + 1, m == null ? 0 : m.getColumn() + 1,
                    "YAML: " + e.getProblem()));
            return;
        } catch (RuntimeException | StackOverflowError e) {
            errors.add(new RuleException(file, 1, 1, "YAML: " + e.getMessage()));
            return;
        }
        for (Node doc : docs) {
            if (doc == null) {
                continue;
            }
            if (!(doc instanceof SequenceNode seq)) {
                errors.add(err(file, doc, "a rule file is a YAML list of items (- rule:, - macro:, - list:, …)"));
                continue;
            }
            for (Node item : seq.getValue()) {
                try {
                    addItem(file, item);
                } catch (RuleException e) {
                    errors.add(e.line() > 0 ? e : err(file, item, e.reason()));
                } catch (RuntimeException | StackOverflowError bug) {
                    // a loader bug must cost one item, located, never the whole rule set
                    errors.add(err(file, item, "cannot load this item: " + bug));
                }
            }
        }
    }

    private void addItem(String file, Node item) throws RuleException {
        if (!(item instanceof MappingNode map)) {
            throw err(file, item, "expected an item such as '- rule: name'");
        }
        Map<String, Node> f = keys(file, map);
        String kind = Stream.of("rule", "macro", "list", "threshold", "sequence").filter(f::containsKey).findFirst().orElse(null);
        if (kind == null) {
            if (f.containsKey("required_engine_version")) {
                requireEngine(file, f.get("required_engine_version"));
                return;
            }
            if (f.containsKey("required_plugin_versions")) {
                requirePlugins(file, f.get("required_plugin_versions"));
                return;
            }
            throw err(file, item, "unknown item: expected one of rule, macro, list, threshold, sequence");
        }
        String name = scalar(file, f.get(kind));
        if (kind.equals("rule") && f.size() == 2 && f.containsKey("enabled")) {
            // Falco's short form to switch a rule defined earlier on or off
            RawItem existing = rules.get(name);
            if (existing == null) {
                throw err(file, item, "rule '" + name + "' is enabled or disabled here but not defined before it");
            }
            bool(file, f.get("enabled"), "enabled");
            existing.fields.put("enabled", f.get("enabled"));
            return;
        }
        boolean append = f.containsKey("append") && bool(file, f.get("append"), "append");
        Map<String, String> override = new LinkedHashMap<>();
        if (f.get("override") instanceof MappingNode o) {
            for (var en : keys(file, o).entrySet()) {
                override.put(en.getKey(), scalar(file, en.getValue()).toLowerCase(Locale.ROOT));
            }
        }
        boolean amends = append || !override.isEmpty();
        String here = file + ":" + (item.getStartMark().getLine() + 1);
        String id = (kind.equals("list") || kind.equals("macro") ? kind : "rule") + "\0" + name;
        String before = definedAt.get(id);
        if (!amends && before != null) {
            if (before.startsWith(file + ":")) {
                throw err(file, item, kind + " '" + name + "' is already defined at " + before
                        + ": rename it, or say 'append: true' or 'override:' to change the first");
            }
            if (!sameAsBefore(file, kind, name, f)) {
                warnings.add(err(file, item, kind + " '" + name + "' replaces the one defined at " + before));
            }
        }
        if (!amends) {
            definedAt.put(id, here);
        }
        switch (kind) {
            case "list" -> {
                List<String> items = strings(file, required(file, f, "items", item));
                if ((append || "append".equals(override.get("items"))) && lists.containsKey(name)) {
                    List<String> all = new ArrayList<>(lists.get(name));
                    all.addAll(items);
                    lists.put(name, all);
                } else {
                    lists.put(name, items);
                }
            }
            case "macro" -> {
                Node c = required(file, f, "condition", item);
                ConditionParser.Macro old = macros.get(name);
                if ((append || "append".equals(override.get("condition"))) && old != null) {
                    macros.put(name, new ConditionParser.Macro(old.condition() + " " + scalar(file, c), old.origin()));
                } else {
                    macros.put(name, new ConditionParser.Macro(scalar(file, c), origin(file, c)));
                }
            }
            default -> {
                RawItem existing = rules.get(name);
                if (amends) {
                    if (existing == null) {
                        throw err(file, item, kind + " '" + name + "' appends to or overrides a " + kind + " that is not defined before it");
                    }
                    for (var en : f.entrySet()) {
                        String key = en.getKey();
                        if (key.equals(kind) || key.equals("append") || key.equals("override")) {
                            continue;
                        }
                        String how = append ? "append" : override.getOrDefault(key, "replace");
                        if (key.equals("condition") && how.equals("append")) {
                            existing.conditionSuffix += " " + scalar(file, en.getValue());
                        } else if (key.equals("exceptions") && how.equals("append")) {
                            existing.extraExceptions.add(en.getValue());
                        } else {
                            existing.fields.put(key, en.getValue());
                        }
                    }
                } else {
                    RawItem r = new RawItem(kind, file, item.getStartMark().getLine() + 1);
                    r.fields.putAll(f);
                    rules.put(name, r);
                }
            }
        }
    }

    /** A list or macro defined again word for word, as Falco's files share many: not worth a warning. */
    private boolean sameAsBefore(String file, String kind, String name, Map<String, Node> f) throws RuleException {
        return switch (kind) {
            case "list" -> f.get("items") != null && strings(file, f.get("items")).equals(lists.get(name));
            case "macro" -> f.get("condition") != null && macros.get(name) != null
                    && scalar(file, f.get("condition")).strip().equals(macros.get(name).condition().strip());
            default -> false;
        };
    }

    private RuleSet compile() {
        List<Detection> out = new ArrayList<>();
        needs.clear();
        ConditionParser parser = new ConditionParser(lists, macros);
        for (var en : rules.entrySet()) {
            RawItem r = en.getValue();
            try {
                if (r.fields.containsKey("enabled") && !bool(r.file, r.fields.get("enabled"), "enabled")) {
                    continue;
                }
                String source = r.fields.containsKey("source") ? scalar(r.file, r.fields.get("source")) : "syscall";
                if (!dev.vigil.event.Catalogue.SOURCES.contains(source)) {
                    warnings.add(new RuleException(r.file, r.line, 1, r.kind + " '" + en.getKey() + "' is for the event source '"
                            + source + "', which Vigil does not have: not loaded"));
                    continue;
                }
                parser.source(source);
                pendingNeeds.clear();
                out.add(switch (r.kind) {
                    case "rule" -> compileRule(parser, en.getKey(), r);
                    case "threshold" -> compileThreshold(parser, en.getKey(), r);
                    default -> compileSequence(parser, en.getKey(), r);
                });
                // a rule of another source matches that source's events only, and makes the kernel collect nothing;
                // the JVM's event types are hooks that rules choose as they choose the kernel's
                needs.put(en.getKey(), source.equals("syscall") ? Needs.or(pendingNeeds)
                        : source.equals("jvm") ? Needs.within(Needs.or(pendingNeeds), source) : Needs.source(source));
            } catch (RuleException e) {
                RuleException located = new RuleException(e.file(), e.line() > 0 ? e.line() : r.line, e.line() > 0 ? e.column() : 1,
                        r.kind + " '" + en.getKey() + "' skipped: " + e.reason());
                boolean mayBeSkipped = r.fields.containsKey("skip-if-unknown-filter") && e.reason().contains("unknown field")
                        && boolOrFalse(r, "skip-if-unknown-filter");
                (mayBeSkipped ? warnings : errors).add(located);
            } catch (RuntimeException | StackOverflowError bug) {
                errors.add(new RuleException(r.file, r.line, 1, r.kind + " '" + en.getKey() + "' skipped: cannot compile it: " + bug));
            }
        }
        Map<String, java.util.Set<String>> names = new LinkedHashMap<>();
        needs.forEach((rule, n) -> {
            if (n.names() != null) {
                names.put(rule, java.util.Set.copyOf(n.names()));
            }
        });
        return new RuleSet(List.copyOf(out), List.copyOf(errors), List.copyOf(warnings), Collection.of(needs), Map.copyOf(names));
    }

    private boolean boolOrFalse(RawItem r, String key) {
        try {
            return bool(r.file, r.fields.get(key), key);
        } catch (RuleException bad) {
            errors.add(bad);
            return false;
        }
    }

    /** The Falco rule-engine version whose fields and syntax Vigil implements. */
    public static final String ENGINE_VERSION = "0.57.0";

    private void requireEngine(String file, Node n) throws RuleException {
        String wanted = scalar(file, n);
        int[] want = version(wanted), have = version(ENGINE_VERSION);
        if (want == null) {
            throw err(file, n, "required_engine_version '" + wanted + "' is not a version such as 0.57.0");
        }
        // Falco's engine versions were once plain numbers (26 meant 0.26.0)
        if (want.length == 1) {
            want = new int[] {0, want[0], 0};
        }
        for (int i = 0; i < 3; i++) {
            int w = i < want.length ? want[i] : 0;
            if (w != have[i]) {
                if (w > have[i]) {
                    throw err(file, n, "this file needs rule engine " + wanted + "; Vigil implements Falco's " + ENGINE_VERSION
                            + ", so some of its rules may use what Vigil lacks");
                }
                return;
            }
        }
    }

    private static int[] version(String v) {
        String[] parts = v.trim().split("\\.");
        if (parts.length > 3) {
            return null;
        }
        int[] out = new int[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) {
                out[i] = Integer.parseInt(parts[i]);
            }
        } catch (NumberFormatException bad) {
            return null;
        }
        return out;
    }

    /**
     * Falco plugins whose sources and fields Vigil has built in: container metadata, the Kubernetes
     * audit source (k8saudit and its cloud variants, which are its alternatives) and the json
     * fields. Rules of any other plugin's source are reported as they are met.
     */
    static final java.util.Set<String> BUILT_IN_PLUGINS = java.util.Set.of("container", "k8saudit", "k8saudit-aks", "k8saudit-eks",
            "k8saudit-gke", "k8saudit-ovh", "json");


    private void requirePlugins(String file, Node n) throws RuleException {
        if (!(n instanceof SequenceNode seq)) {
            throw err(file, n, "required_plugin_versions is a list of '- name: …, version: …'");
        }
        for (Node p : seq.getValue()) {
            if (!(p instanceof MappingNode m)) {
                throw err(file, p, "expected '- name: …, version: …'");
            }
            Node name = keys(file, m).get("name");
            String plugin = name == null ? "" : scalar(file, name);
            if (!BUILT_IN_PLUGINS.contains(plugin)) {
                warnings.add(err(file, p, "plugin '" + plugin + "' is not part of Vigil: rules that need it will not load"));
            }
        }
    }

    /** Each detection's needs of an event, for the kernel's filters (a sequence's steps together). */
    private final Map<String, Needs> needs = new LinkedHashMap<>();
    /** The needs of the conditions compiled for the detection being compiled. */
    private final List<Needs> pendingNeeds = new ArrayList<>();

    private Condition condition(ConditionParser parser, RawItem r, Node node) throws RuleException {
        Condition c = parser.compile(scalar(r.file, node) + r.conditionSuffix, origin(r.file, node));
        pendingNeeds.add(parser.needs());
        List<Node> exceptionNodes = new ArrayList<>();
        if (r.fields.get("exceptions") != null) {
            exceptionNodes.add(r.fields.get("exceptions"));
        }
        exceptionNodes.addAll(r.extraExceptions);
        for (Node ex : exceptionNodes) {
            Condition unless = Exceptions.compile(r.file, ex, parser);
            Condition base = c;
            c = e -> base.test(e) && !unless.test(e);
        }
        return c;
    }

    private Rule compileRule(ConditionParser parser, String name, RawItem r) throws RuleException {
        Node cond = required(r.file, r.fields, "condition", null, r.line);
        boolean block = r.fields.containsKey("block") && bool(r.file, r.fields.get("block"), "block");
        if (block && !(r.fields.containsKey("source") && scalar(r.file, r.fields.get("source")).equals("jvm"))) {
            throw new RuleException(r.file, r.line, 1, "block is for rules with source: jvm (the RASP refuses a Java call; the kernel's events are reported as they happen)");
        }
        return new Rule(name, text(r, "desc"), condition(parser, r, cond), output(r), priority(r), tags(r), r.file + ":" + r.line, block);
    }

    private ThresholdRule compileThreshold(ConditionParser parser, String name, RawItem r) throws RuleException {
        Node cond = required(r.file, r.fields, "condition", null, r.line);
        List<String> groupNames = r.fields.containsKey("group_by") ? strings(r.file, r.fields.get("group_by")) : List.of();
        List<Function<Map<String, Object>, Object>> group = new ArrayList<>();
        for (String g : groupNames) {
            group.add(field(r, g, "group_by"));
        }
        String distinctName = r.fields.containsKey("distinct") ? scalar(r.file, r.fields.get("distinct")) : null;
        int count = integer(r, "count");
        if (count < 1) {
            throw new RuleException(r.file, r.line, 1, "count must be 1 or more");
        }
        return new ThresholdRule(name, text(r, "desc"), condition(parser, r, cond), List.copyOf(group), groupNames,
                distinctName == null ? null : field(r, distinctName, "distinct"), distinctName, count, duration(r, "window"),
                output(r), priority(r), tags(r), r.file + ":" + r.line);
    }

    private SequenceRule compileSequence(ConditionParser parser, String name, RawItem r) throws RuleException {
        if (!(r.fields.get("steps") instanceof SequenceNode steps) || steps.getValue().size() < 2) {
            throw new RuleException(r.file, r.line, 1, "a sequence needs 'steps:' with two or more steps");
        }
        String defaultKey = r.fields.containsKey("key") ? scalar(r.file, r.fields.get("key")) : "proc.pid";
        List<SequenceRule.Step> out = new ArrayList<>();
        int n = 0;
        for (Node s : steps.getValue()) {
            n++;
            if (!(s instanceof MappingNode m)) {
                throw err(r.file, s, "a step is a mapping with 'condition:' (and 'key:', 'name:')");
            }
            Map<String, Node> f = keys(r.file, m);
            Node c = required(r.file, f, "condition", s);
            String key = f.containsKey("key") ? scalar(r.file, f.get("key")) : defaultKey;
            boolean lineage = key.equals("lineage");
            Condition step = parser.compile(scalar(r.file, c), origin(r.file, c));
            pendingNeeds.add(parser.needs());
            out.add(new SequenceRule.Step(f.containsKey("name") ? scalar(r.file, f.get("name")) : "step" + n,
                    step, lineage ? field(r, "proc.pid", "key") : field(r, key, "key"),
                    lineage ? "proc.pid" : key, lineage));
        }
        return new SequenceRule(name, text(r, "desc"), List.copyOf(out), duration(r, "window"), output(r), priority(r), tags(r),
                r.file + ":" + r.line);
    }

    private static Function<Map<String, Object>, Object> field(RawItem r, String name, String what) throws RuleException {
        var f = Fields.resolve(name);
        if (f == null) {
            throw new RuleException(r.file, r.line, 1, what + " uses unknown field '" + name + "': Vigil does not collect it");
        }
        return f;
    }

    private static String text(RawItem r, String key) throws RuleException {
        return r.fields.containsKey(key) ? scalar(r.file, r.fields.get(key)) : "";
    }

    private static OutputTemplate output(RawItem r) throws RuleException {
        Node o = r.fields.get("output");
        return OutputTemplate.compile(o == null ? "" : scalar(r.file, o), r.file, o == null ? r.line : o.getStartMark().getLine() + 1);
    }

    private static Priority priority(RawItem r) throws RuleException {
        Node p = r.fields.get("priority");
        if (p == null) {
            return Priority.WARNING;
        }
        try {
            return Priority.parse(scalar(r.file, p));
        } catch (IllegalArgumentException e) {
            throw err(r.file, p, "unknown priority '" + scalar(r.file, p) + "': EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFORMATIONAL or DEBUG");
        }
    }

    private static List<String> tags(RawItem r) throws RuleException {
        return r.fields.containsKey("tags") ? strings(r.file, r.fields.get("tags")) : List.of();
    }

    private static int integer(RawItem r, String key) throws RuleException {
        Node n = required(r.file, r.fields, key, null, r.line);
        try {
            return Integer.parseInt(scalar(r.file, n));
        } catch (NumberFormatException e) {
            throw err(r.file, n, key + " must be a whole number");
        }
    }

    /** "30s", "5m", "1h", "500ms" or plain seconds. */
    static Duration duration(RawItem r, String key) throws RuleException {
        Node n = required(r.file, r.fields, key, null, r.line);
        String s = scalar(r.file, n).trim();
        try {
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            }
            char unit = s.charAt(s.length() - 1);
            long v = Character.isDigit(unit) ? Long.parseLong(s) : Long.parseLong(s.substring(0, s.length() - 1));
            return switch (unit) {
                case 'm' -> Duration.ofMinutes(v);
                case 'h' -> Duration.ofHours(v);
                default -> Duration.ofSeconds(v);
            };
        } catch (RuntimeException e) {
            throw err(r.file, n, key + " must be a duration such as 30s, 5m or 500ms");
        }
    }

    private static Node required(String file, Map<String, Node> f, String key, Node at) throws RuleException {
        return required(file, f, key, at, at == null ? 0 : at.getStartMark().getLine() + 1);
    }

    private static Node required(String file, Map<String, Node> f, String key, Node at, int line) throws RuleException {
        Node n = f.get(key);
        if (n == null) {
            throw new RuleException(file, line, 1, "missing '" + key + ":'");
        }
        return n;
    }

    /** A mapping's keys and values; a key given twice is an error, never last-wins. */
    static Map<String, Node> keys(String file, MappingNode map) throws RuleException {
        Map<String, Node> f = new LinkedHashMap<>();
        for (NodeTuple t : map.getValue()) {
            String k = scalar(file, t.getKeyNode());
            if (f.containsKey(k)) {
                throw err(file, t.getKeyNode(), "'" + k + "' is given twice in this item (line "
                        + (f.get(k).getStartMark().getLine() + 1) + " and here)");
            }
            f.put(k, t.getValueNode());
        }
        return f;
    }

    /** YAML's booleans (true/false, yes/no, on/off); anything else is an error, not false. */
    static boolean bool(String file, Node n, String key) throws RuleException {
        return switch (scalar(file, n).trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "y" -> true;
            case "false", "no", "off", "n" -> false;
            default -> throw err(file, n, "'" + key + "' must be true or false, not '" + scalar(file, n) + "'");
        };
    }

    static String scalar(String file, Node n) throws RuleException {
        if (n instanceof ScalarNode s) {
            return s.getValue();
        }
        throw err(file, n, "expected a single value");
    }

    static List<String> strings(String file, Node n) throws RuleException {
        if (n instanceof SequenceNode s) {
            List<String> out = new ArrayList<>();
            for (Node v : s.getValue()) {
                out.add(scalar(file, v));
            }
            return out;
        }
        if (n instanceof ScalarNode s) {
            return List.of(s.getValue());
        }
        throw err(file, n, "expected a list");
    }

    static ConditionParser.Origin origin(String file, Node n) {
        var m = n.getStartMark();
        boolean block = n instanceof ScalarNode s && (s.getScalarStyle() == org.yaml.snakeyaml.DumperOptions.ScalarStyle.FOLDED
                || s.getScalarStyle() == org.yaml.snakeyaml.DumperOptions.ScalarStyle.LITERAL);
        boolean quoted = n instanceof ScalarNode s && (s.getScalarStyle() == org.yaml.snakeyaml.DumperOptions.ScalarStyle.DOUBLE_QUOTED
                || s.getScalarStyle() == org.yaml.snakeyaml.DumperOptions.ScalarStyle.SINGLE_QUOTED);
        return block ? new ConditionParser.Origin(file, m.getLine() + 2, 1)
                : new ConditionParser.Origin(file, m.getLine() + 1, m.getColumn() + 1 + (quoted ? 1 : 0));
    }

    static RuleException err(String file, Node n, String message) {
        if (n == null) {
            return new RuleException(file, 0, 0, message);
        }
        return new RuleException(file, n.getStartMark().getLine() + 1, n.getStartMark().getColumn() + 1, message);
    }
}
