package dev.vigil.detect;

import dev.vigil.event.Catalogue;
import dev.vigil.event.EventKind;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Falco field names over Vigil's events. An event reaches the rules as a flat map of its JSON
 * fields (plus context: {@code parent_exe}, {@code parent_args}, {@code proc_args}); each Falco
 * field is resolved once, when a rule is compiled, into a function over that map. Every field of
 * the catalogue is a field under its own name ({@code argv}, {@code dip}, {@code pid_tree}…), and
 * a Falco name the catalogue gives a field for reads it unchanged ({@code proc.name} is
 * {@code comm}); the Falco fields computed from several (command lines, ancestors, fd.*) are here.
 */
public final class Fields {
    private Fields() {}

    /** Raw names any event may carry: every field of the catalogue. */
    static final Set<String> RAW = Catalogue.fieldNames();

    private static final Pattern ENV_VAR = Pattern.compile("proc\\.env(?:\\.|\\[)([A-Za-z_][A-Za-z0-9_]{0,127})]?");
    private static final Pattern INDEXED = Pattern.compile("proc\\.(aname|apid|aexe|aexepath|acmdline)\\[(\\d{1,3})]");
    /** Falco fields of metadata Vigil has no source for on this host (Kubernetes, image layers): empty, as Falco has them outside a pod. */
    private static final Pattern NO_SOURCE = Pattern.compile("k8s\\.[a-z0-9_.]+(\\[[^\\]]{1,128}])?|proc\\.exe_ino(\\.[a-z_]+)?"
            + "|container\\.(start_ts|duration|image\\.(digest|id)|ip|cni\\.json|healthcheck|liveness_probe|readiness_probe"
            + "|label(\\.[a-z0-9_.\\-/]+)?|labels)"
            + "|fd\\.nameraw|fd\\.ino|fd\\.dev|fd\\.uid|fd\\.name_changed|fd\\.types|proc\\.fdopencount");

    /** k8s.pod.label[KEY]: one label of the pod (a label key is at most 317 bytes: a 253-byte prefix, a slash, a 63-byte name). */
    private static final Pattern POD_LABEL = Pattern.compile("k8s\\.pod\\.label\\[([^\\]]{1,317})]");
    /** Falco's container.mount[K] and container.mount.PART[K]: K a number (the Nth mount) or a glob on the source (on the destination for .source). */
    private static final Pattern MOUNT = Pattern.compile("container\\.mount(?:\\.(source|dest|mode|rdwr|propagation))?\\[([^\\]]{1,256})]");

    private static final Map<String, java.util.Optional<Function<Map<String, Object>, Object>>> SHARED = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The accessor for `name`, or null when Vigil does not collect that field. One accessor per
     * field for every rule, and a derived field (a command line joined, an ancestor found, an
     * fd's path) is computed once per event however many rules ask for it.
     */
    public static Function<Map<String, Object>, Object> resolve(String name) {
        if (SHARED.size() > 10_000) {
            SHARED.clear(); // rule files full of made-up field names must not grow this without end
        }
        return SHARED.computeIfAbsent(name, n -> java.util.Optional.ofNullable(build(n))
                .map(f -> plain(n) ? f : new Memo(f))).orElse(null);
    }

    /** A plain look-up of one key (a raw field, or a Falco name for one): cheaper to read again than to remember. */
    private static boolean plain(String name) {
        return RAW.contains(name) || Catalogue.rawOfFalco(name) != null && !DERIVED.contains(name) || name.equals("evt.dir");
    }

    /** Falco names the catalogue gives a raw field for but that are computed here (a fallback, a default). */
    private static final Set<String> DERIVED = Set.of("proc.vpid", "proc.pvpid", "proc.vpgid", "user.loginname",
            "proc.is_exe_upper_layer", "proc.is_exe_writable", "proc.exe_deleted");

    /** Bumped as each event enters an engine, so a map evaluated again after a change is computed afresh. */
    private static volatile long epoch;

    /** Marks the start of an event's evaluation. */
    static void nextEvent() {
        epoch++; // a lost increment between two engines' threads only costs a recomputation
    }

    /** The last event a derived field was computed for, with its value. */
    private static final class Memo implements Function<Map<String, Object>, Object> {
        private record Last(Map<String, Object> event, long epoch, Object value) {}
        private final Function<Map<String, Object>, Object> field;
        private Last last = new Last(null, -1, null); // a race between engines on two threads only recomputes

        Memo(Function<Map<String, Object>, Object> field) {
            this.field = field;
        }

        @Override
        public Object apply(Map<String, Object> e) {
            Last l = last;
            long now = epoch;
            if (l.event == e && l.epoch == now) {
                return l.value;
            }
            Object v = field.apply(e);
            last = new Last(e, now, v);
            return v;
        }
    }

    /** A Falco field computed from the event's fields: what it holds, and how. */
    public record Computed(String description, Function<Map<String, Object>, Object> value) {}

    /** The Falco fields computed here, in the order {@code vigil fields} lists them. */
    private static final Map<String, Computed> COMPUTED = new java.util.LinkedHashMap<>();

    private static void computed(String name, String description, Function<Map<String, Object>, Object> value) {
        COMPUTED.put(name, new Computed(description, value));
    }

    /** The Kubernetes audit fields computed from the audit event, with one line each (for {@code vigil fields}). */
    public static Map<String, String> auditComputed() {
        return java.util.Collections.unmodifiableMap(AuditFields.DESCRIBED);
    }

    /**
     * The sources whose events a field can be read from: a rule of one source may not use
     * another's fields ({@code ka.verb} in a syscall rule is a mistake, not an empty value).
     */
    public static Set<String> sources(String name) {
        if (AuditFields.owns(name)) {
            return Set.of("k8s_audit");
        }
        if (name.equals("evt.source") || name.equals("evt.type")) {
            return Catalogue.SOURCES;
        }
        String raw = RAW.contains(name) ? name : Catalogue.rawOfFalco(name);
        if (raw != null) {
            Set<String> out = new java.util.HashSet<>();
            for (EventKind k : Catalogue.carriers(raw)) {
                out.add(k.def().source());
            }
            return out.isEmpty() ? Set.of("syscall") : out;
        }
        return Set.of("syscall");
    }

    private static boolean createsExecutable(Map<String, Object> e) {
        boolean created = "create_file".equals(e.get("event"))
                || e.get("flags") instanceof Number f && (f.longValue() & (0100 | 020000000)) != 0; // O_CREAT, O_TMPFILE
        return created && e.get("mode") instanceof Number m && (m.longValue() & 0111) != 0;
    }

    /** Whether `file` lies in a directory of `exe`'s own tree deeper than the writable place (or, outside them, the first level) both are in. */
    static boolean sameTree(String exe, String file) {
        String[] a = exe.split("/"), b = file.split("/");
        int shared = 0; // directories both lie under, the root not counted
        while (shared + 1 < a.length - 1 && shared + 1 < b.length - 1 && a[shared + 1].equals(b[shared + 1])) {
            shared++;
        }
        return shared >= Math.max(dev.vigil.sensor.WritablePlaces.depth(file) + 1, 2);
    }

    private static Object nameUnrelated(Map<String, Object> e) {
        List<String> argv = args(e);
        String exe = e.get("exe") instanceof String x ? x : null;
        String script = ProgramNames.script(argv);
        if (e.get("new_name") instanceof String renamed) {
            if (e.get("tid") instanceof Number tid && e.get("pid") instanceof Number pid && tid.longValue() != pid.longValue()) {
                return false; // a thread's name (a pool, a JIT compiler), not the process's
            }
            return !ProgramNames.related(renamed, java.util.Arrays.asList(exe, script, argv.isEmpty() ? null : argv.get(0)));
        }
        if (e.get("filename") instanceof String filename && !argv.isEmpty() && !(e.get("script") instanceof String s && !s.isEmpty())) {
            if (exe == null || !exe.startsWith("/") || exe.length() < 2 || filename.startsWith("/dev/fd/") || filename.startsWith("/proc/")) {
                return null; // run from a descriptor (fexecve, runc's cloned binary) or an executable with no name: nothing to compare
            }
            String argv0 = argv.get(0);
            if (argv0.equals(filename) || ProgramNames.base(argv0).equals(ProgramNames.base(filename))) {
                return false; // the common case, decided without splitting words
            }
            return !ProgramNames.related(ProgramNames.base(argv0), java.util.Arrays.asList(filename, exe)) && !ProgramNames.sameFile(argv0, exe);
        }
        return null;
    }

    /** Every computed Falco field with its one-line description (for {@code vigil fields}). */
    public static Map<String, Computed> computed() {
        return java.util.Collections.unmodifiableMap(COMPUTED);
    }

    static {
        computed("evt.type", "the event's name, equal also to each Falco event type (syscall) it stands for",
                e -> new Falco.Types(String.valueOf(e.get("event")), Falco.types(e)));
        computed("evt.dir", "both > and <: Vigil reports each operation once, with its result", e -> Falco.Direction.BOTH);
        computed("evt.res", "the result as Falco has it, a string: SUCCESS or the errno's name (ENOENT…); evt.rawres is the number",
                e -> e.get("res") instanceof Number n ? Falco.result(n.longValue()).name() : null);
        computed("evt.failed", "the call failed (res < 0)", e -> e.get("res") instanceof Number n && n.longValue() < 0);
        computed("evt.is_open_read", "an open for reading", e -> Falco.openLike(e) ? (openAccess(e) & 1) != 0 : null);
        computed("evt.is_open_write", "an open for writing", e -> Falco.openLike(e) ? (openAccess(e) & 2) != 0 : null);
        computed("evt.is_open_exec", "an open that created a file with execute permission (O_CREAT or O_TMPFILE, and an x bit in the mode)",
                e -> Falco.openLike(e) ? createsExecutable(e) : null);
        computed("evt.args", "every argument under Falco's names, name=value separated by spaces", FalcoArgs::all);
        computed("evt.source", "the event's source: syscall or k8s_audit", e -> {
            EventKind k = e.get("event") instanceof String n ? Catalogue.kind(n) : null;
            return k == null ? "syscall" : k.def().source();
        });
        computed("proc.args", "the arguments after argv[0], joined by spaces", e -> String.join(" ", tail(args(e))));
        computed("ld_preload.interposes", "Vigil's: the functions the LD_PRELOAD libraries export that matter (readdir, open, stat, exec*, system,"
                + " PAM, getpwnam, TLS, sockets, read, write, dlopen…), read from each library's ELF symbols; absent when none",
                e -> e.get("ld_preload") instanceof String s && !s.isEmpty() ? nonEmpty(dev.vigil.enrich.PreloadedLibraries.interposes(s)) : null);
        computed("ld_preload.doubtful", "Vigil's: an LD_PRELOAD library lives where anyone can write (/tmp, /var/tmp, /dev/shm, a home)"
                + " or cannot be read as a library",
                e -> e.get("ld_preload") instanceof String s && !s.isEmpty() ? dev.vigil.enrich.PreloadedLibraries.doubtful(s) : null);
        computed("mmap.same_tree", "Vigil's: the file mapped as code lies in the program's own directory tree, below the writable place"
                + " both are in (a build's tests and their libraries in /tmp/build, a Python of ~/.pyenv and its modules)",
                e -> e.get("file") instanceof String f && e.get("exe") instanceof String x ? sameTree(x, f) : null);
        computed("name.unrelated", "Vigil's: the name a process took (prctl's new_name on its main thread; an exec's argv[0]) shares no word"
                + " of 3+ letters and no prefix with its executable, the path it was started by, or its script, and does not name the"
                + " executable's file",
                Fields::nameUnrelated);
        computed("proc.cmdline", "the name and the arguments", e -> cmdline(e.get("comm"), args(e)));
        computed("proc.cmdnargs", "the number of arguments after argv[0]", e -> (long) tail(args(e)).size());
        computed("proc.vpid", "pid in the process's own pid namespace (the pid on the host)", e -> first(e.get("vpid"), onHost(e) ? e.get("pid") : null));
        computed("proc.pvpid", "the parent's pid in its pid namespace", e -> first(e.get("pvpid"), onHost(e) ? e.get("ppid") : null));
        computed("proc.pname", "the parent's name", e -> first(e.get("parent_comm"), ancestor(e, 1, false)));
        computed("proc.pcmdline", "the parent's name and arguments",
                e -> cmdline(first(e.get("parent_comm"), ancestor(e, 1, false)), list(e.get("parent_args"))));
        computed("proc.aname", "the name of any ancestor; proc.aname[N] the Nth (0: the process)", e -> ancestors(e, false));
        computed("proc.apid", "the pid of any ancestor; proc.apid[N] the Nth", e -> ancestors(e, true));
        computed("proc.tty", "the controlling terminal's device number (0: none)",
                e -> {
                    long n = Falco.ttyNumber(e.get("tty") instanceof String s ? s : "");
                    return new Falco.Named(n, Long.toString(n));
                });
        computed("proc.vpgid", "process group id in the pid namespace", e -> first(e.get("vpgid"), onHost(e) ? e.get("pgid") : null));
        computed("proc.is_vpgid_leader", "the process leads its process group",
                e -> e.get("pgid") != null && e.get("pgid").equals(e.get("pid")));
        computed("proc.is_sid_leader", "the process leads its session",
                e -> e.get("sid") != null && e.get("sid").equals(e.get("pid")));
        computed("proc.sname", "the session leader's name", Fields::sessionLeader);
        computed("proc.runs", "Vigil's: the file this exec runs: the script for a #! file or an interpreter's script argument, else the program", Fields::runs);
        computed("proc.is_exe_from_memfd", "the program runs from a memfd (fileless)",
                e -> e.get("exe") instanceof String s && s.startsWith("/memfd:"));
        computed("proc.is_exe_upper_layer", "the program lives in an overlay's upper layer", e -> Boolean.TRUE.equals(e.get("exe_upper_layer")));
        computed("proc.is_exe_writable", "the program is writable by its user", e -> Boolean.TRUE.equals(e.get("exe_writable")));
        computed("proc.exe_deleted", "the program's file was deleted", e -> Boolean.TRUE.equals(e.get("exe_deleted")));
        computed("proc.env", "the environment, NAME=value joined by spaces; proc.env[NAME] one value",
                e -> e.get("env") instanceof List<?> l ? String.join(" ", list(l)) : null);
        computed("user.loginname", "the name of the login uid",
                e -> first(e.get("loginname"), e.get("loginuid") instanceof Number n ? loginName(n.longValue()) : null));
        computed("fd.num", "the file descriptor's number", FdFields::num);
        computed("fd.name", "the file's path, or the connection as sip:sport->dip:dport", FdFields::name);
        computed("fd.directory", "the directory of fd.name", e -> directory(fdPath(e)));
        computed("fd.filename", "the last part of fd.name", e -> basename(fdPath(e)));
        computed("fd.type", "file, directory, ipv4, ipv6, unix, memfd…", FdFields::type);
        computed("fd.typechar", "fd.type as one letter (f, 4, 6…)", FdFields::typechar);
        computed("fd.sockfamily", "ip or unix", FdFields::sockfamily);
        computed("fd.l4proto", "tcp, udp or raw", FdFields::l4proto);
        computed("fd.connected", "the socket is connected", FdFields::connected);
        computed("fd.ip", "either end's address", e -> FdFields.both(e, true));
        computed("fd.port", "either end's port", e -> FdFields.both(e, false));
        computed("fd.net", "either end's address, compared with a CIDR network", e -> FdFields.both(e, true));
        computed("fd.lip", "this host's address", e -> FdFields.end(e, FdFields.End.LOCAL, true));
        computed("fd.lnet", "this host's address, compared with a CIDR network", e -> FdFields.end(e, FdFields.End.LOCAL, true));
        computed("fd.rip", "the peer's address", e -> FdFields.end(e, FdFields.End.REMOTE, true));
        computed("fd.rnet", "the peer's address, compared with a CIDR network", e -> FdFields.end(e, FdFields.End.REMOTE, true));
        computed("fd.cip", "the client's address", e -> FdFields.end(e, FdFields.End.CLIENT, true));
        computed("fd.cnet", "the client's address, compared with a CIDR network", e -> FdFields.end(e, FdFields.End.CLIENT, true));
        computed("fd.sip", "the server's address", e -> FdFields.end(e, FdFields.End.SERVER, true));
        computed("fd.snet", "the server's address, compared with a CIDR network", e -> FdFields.end(e, FdFields.End.SERVER, true));
        computed("fd.sip.name", "the name a DNS reply this host received last gave the server's address (dip_name or sip_name)",
                e -> FdFields.endName(e, FdFields.End.SERVER));
        computed("fd.cip.name", "the name a DNS reply last gave the client's address", e -> FdFields.endName(e, FdFields.End.CLIENT));
        computed("fd.rip.name", "the name a DNS reply last gave the peer's address", e -> FdFields.endName(e, FdFields.End.REMOTE));
        computed("fd.lip.name", "the name a DNS reply last gave this host's address", e -> FdFields.endName(e, FdFields.End.LOCAL));
        computed("fd.lport", "this host's port", e -> FdFields.end(e, FdFields.End.LOCAL, false));
        computed("fd.rport", "the peer's port", e -> FdFields.end(e, FdFields.End.REMOTE, false));
        computed("fd.cport", "the client's port", e -> FdFields.end(e, FdFields.End.CLIENT, false));
        computed("fd.sport", "the server's port", e -> FdFields.end(e, FdFields.End.SERVER, false));
        computed("container.id", "the container id, or host",
                e -> {
                    Object c = e.get("container_id");
                    return c == null || "".equals(c) ? "host" : c;
                });
        computed("container.image.repository", "the image without tag and digest",
                e -> e.get("container_image") instanceof String i ? repository(i) : null);
        computed("container.image.tag", "the image's tag (latest when the image names neither tag nor digest)",
                e -> e.get("container_image") instanceof String i && !i.isEmpty() ? tag(i) : null);
        computed("container.mounts", "on a program's start in a container: its mounts, source:dest:mode:rw:propagation, space-separated",
                e -> e.get("container_mounts") instanceof List<?> l ? String.join(" ", l.stream().map(String::valueOf).toList()) : null);
        computed("k8s.pod.label[KEY]", "the value of the pod's label KEY (from k8s.pod.labels); none when the pod has no such label", null);
        // resolved by the MOUNT pattern; listed here for `vigil fields`
        computed("container.mount[N|GLOB]", "on a program's start in a container: [N] the Nth mount, [GLOB] the first whose source matches, "
                + "as source:dest:mode:rw:propagation; none when there is none", null);
        computed("container.mount.dest[N|GLOB]", "[N] the Nth mount's destination, [GLOB] that of the first whose source matches; N/A when none", null);
        computed("container.mount.source[N|GLOB]", "[N] the Nth mount's source, [GLOB] that of the first whose destination matches; N/A when none", null);
        computed("container.mount.mode[N|GLOB]", "a mount's mode (ro, z…), as container.mount.dest picks it", null);
        computed("container.mount.rdwr[N|GLOB]", "whether a mount is read-write, as container.mount.dest picks it", null);
        computed("container.mount.propagation[N|GLOB]", "a mount's propagation, as container.mount.dest picks it", null);
    }

    private static Function<Map<String, Object>, Object> build(String name) {
        Matcher m = INDEXED.matcher(name);
        if (m.matches()) {
            return indexed(m.group(1), Integer.parseInt(m.group(2)));
        }
        Matcher label = POD_LABEL.matcher(name);
        if (label.matches()) {
            String prefix = label.group(1) + ":";
            return e -> e.get("k8s_pod_labels") instanceof List<?> l
                    ? l.stream().map(String::valueOf).filter(v -> v.startsWith(prefix)).map(v -> v.substring(prefix.length())).findFirst().orElse(null)
                    : null;
        }
        Matcher mount = MOUNT.matcher(name);
        if (mount.matches()) {
            return ContainerMounts.field(mount.group(1), mount.group(2));
        }
        Matcher env = ENV_VAR.matcher(name);
        if (env.matches() && !(name.contains("[") ^ name.endsWith("]"))) {
            String variable = env.group(1);
            boolean preload = variable.equals("LD_PRELOAD");
            return e -> envValue(e, variable, preload);
        }
        if (name.startsWith("evt.arg.") || name.startsWith("evt.rawarg.")) {
            String arg = name.substring(name.indexOf(".arg.") + 5);
            Function<Map<String, Object>, Object> raw = RAW.contains(arg) ? e -> e.get(arg) : null;
            boolean rawarg = name.startsWith("evt.rawarg.");
            return e -> {
                Object v = FalcoArgs.arg(e, arg);
                if (rawarg && v instanceof Falco.Named n) {
                    return n.number();
                }
                return v != null || raw == null ? v : raw.apply(e);
            };
        }
        if (AuditFields.owns(name)) {
            Function<Map<String, Object>, Object> audit = AuditFields.build(name);
            if (audit != null) {
                return audit;
            }
        }
        if (NO_SOURCE.matcher(name).matches() && Catalogue.rawOfFalco(name) == null) {
            return e -> e.get(name);
        }
        Computed c = COMPUTED.get(name);
        if (c != null) {
            return c.value();
        }
        String raw = RAW.contains(name) ? name : Catalogue.rawOfFalco(name);
        return raw == null ? null : e -> e.get(raw);
    }

    /** The access an open asked for: 1 read, 2 write, 3 both. A created file was opened for writing. */
    private static int openAccess(Map<String, Object> e) {
        if (e.get("flags") instanceof Number n) {
            return switch ((int) (n.longValue() & 3)) {
                case 0 -> 1;
                case 1 -> 2;
                default -> 3;
            };
        }
        return switch (String.valueOf(e.get("event"))) {
            case "file_read" -> 1;
            case "create_file", "file_write", "sysctl_write" -> 2;
            default -> Boolean.TRUE.equals(e.get("write")) ? 2 : 1;
        };
    }

    /** Events of processes in the host's pid namespace: their pid is their virtual pid. */
    private static boolean onHost(Map<String, Object> e) {
        Object pns = e.get("pns"), root = e.get("root_pns");
        return pns != null && pns.equals(root) || pns == null && !Boolean.TRUE.equals(e.get("in_container"));
    }

    private static Function<Map<String, Object>, Object> indexed(String what, int level) {
        return switch (what) {
            case "aname" -> e -> ancestor(e, level, false);
            case "apid" -> e -> ancestor(e, level, true);
            case "aexe", "aexepath" -> e -> level == 0 ? e.get("exe") : level == 1 ? e.get("parent_exe") : null;
            default -> e -> level == 0 ? cmdline(e.get("comm"), args(e))
                    : level == 1 ? cmdline(first(e.get("parent_comm"), ancestor(e, 1, false)), list(e.get("parent_args"))) : null;
        };
    }

    /** Every ancestor's name or pid (not the process itself), for Falco's un-indexed proc.aname / proc.apid. */
    private static Object ancestors(Map<String, Object> e, boolean pid) {
        List<Ancestry.Node> nodes = Ancestry.of(e);
        if (nodes.size() < 2) {
            return null;
        }
        List<Object> out = new ArrayList<>(nodes.size() - 1);
        for (Ancestry.Node n : nodes.subList(1, nodes.size())) {
            out.add(pid ? (Object) n.pid() : n.comm());
        }
        return new Falco.AnyOf(out);
    }

    private static final java.util.Set<String> SCRIPT_RUNNERS = java.util.Set.of("sh", "bash", "dash", "zsh", "ksh", "mksh",
            "ash", "busybox", "python", "python2", "python3", "perl", "ruby", "php", "node", "nodejs", "lua", "tclsh", "awk",
            "gawk", "mawk", "source");

    /**
     * Vigil's proc.runs: the file this exec runs — the script the kernel ran for a #! file, or the
     * script given to a shell or interpreter as its first argument ("bash /tmp/x.sh"), else the program.
     */
    private static Object runs(Map<String, Object> e) {
        if (e.get("script") instanceof String s && !s.isEmpty()) {
            return s;
        }
        List<String> args = args(e);
        if (args.size() > 1 && e.get("comm") instanceof String comm && SCRIPT_RUNNERS.contains(comm)) {
            String first = args.get(1);
            if (!first.startsWith("-") && !first.isEmpty()) {
                if (first.startsWith("/")) {
                    return first;
                }
                return e.get("run_path") instanceof String cwd && !cwd.isEmpty() ? (cwd.endsWith("/") ? cwd : cwd + "/") + first : first;
            }
        }
        return e.get("exe");
    }

    /** The session leader's name, found among the ancestors. */
    private static Object sessionLeader(Map<String, Object> e) {
        if (!(e.get("sid") instanceof Number sid)) {
            return null;
        }
        for (Ancestry.Node n : Ancestry.of(e)) {
            if (n.pid() == sid.longValue()) {
                return n.comm();
            }
        }
        return null;
    }

    private static final dev.vigil.enrich.Users USERS = new dev.vigil.enrich.Users(java.nio.file.Path.of("/etc/passwd"));

    private static Object loginName(long loginuid) {
        if (loginuid < 0 || loginuid == 0xffffffffL) {
            return null;
        }
        String n = USERS.name((int) loginuid);
        return n.isEmpty() ? null : n;
    }

    /** NAME's value in the captured environment; LD_PRELOAD also from the kernel's own search of the whole environment. */
    private static List<String> nonEmpty(List<String> l) {
        return l.isEmpty() ? null : l;
    }

    private static Object envValue(Map<String, Object> e, String name, boolean preload) {
        String v = environment(e).get(name);
        return v == null && preload && e.get("ld_preload") instanceof String s && !s.isEmpty() ? s : v;
    }

    /**
     * The last environment indexed, and the index: rules read several variables of each exec, and
     * a build's execs share one environment (the decoder hands them one immutable list).
     */
    private record Environment(Map<String, Object> event, long epoch, List<String> env, Map<String, String> byName) {}

    private static volatile Environment lastEnvironment = new Environment(null, -1, List.of(), Map.of());

    /** The event's environment by variable name (the first of a name wins, as getenv reads it). */
    private static Map<String, String> environment(Map<String, Object> e) {
        Environment last = lastEnvironment;
        long now = epoch;
        if (last.event == e && last.epoch == now) {
            return last.byName;
        }
        Object raw = e.get("env");
        // the same list, which cannot have changed if it is immutable (copyOf returns such a list itself); checked before
        // list() reads every element
        if (last.env == raw && List.copyOf(last.env) == last.env) {
            return last.byName;
        }
        List<String> env = list(raw);
        Map<String, String> byName = new HashMap<>(env.size() * 2);
        for (String kv : env) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                byName.putIfAbsent(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        lastEnvironment = new Environment(e, now, env, byName);
        return byName;
    }

    /** `o` as a list of strings: itself when it is one already (as live events' lists are), else a copy with each element as text. */
    @SuppressWarnings("unchecked")
    static List<String> list(Object o) {
        if (!(o instanceof List<?> l)) {
            return List.of();
        }
        boolean strings = true;
        for (int i = 0; i < l.size() && strings; i++) {
            strings = l.get(i) instanceof String;
        }
        if (strings) {
            return (List<String>) l;
        }
        List<String> out = new ArrayList<>(l.size());
        for (Object x : l) {
            out.add(String.valueOf(x));
        }
        return out;
    }

    private static List<String> args(Map<String, Object> e) {
        Object a = e.get("args");
        if (a == null) {
            a = e.get("proc_args");
        }
        return list(a);
    }

    private static List<String> tail(List<String> l) {
        return l.isEmpty() ? l : l.subList(1, l.size());
    }

    private static Object cmdline(Object name, List<String> args) {
        if (name == null) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        parts.add(name.toString());
        parts.addAll(tail(args));
        return String.join(" ", parts);
    }

    private static Object first(Object a, Object b) {
        return a != null && !"".equals(a) ? a : b;
    }

    /** Level 0 is the process itself, 1 its parent…, from the event's structured ancestry. */
    static Object ancestor(Map<String, Object> e, int level, boolean pid) {
        Ancestry.Node n = Ancestry.at(e, level);
        if (n == null) {
            return null;
        }
        return pid ? (Object) n.pid() : n.comm();
    }

    /**
     * The path an event acted on (Falco's fd.name for it): the field its declaration names; for an
     * event that names none, or a recording of an unknown type, the first path field it carries.
     */
    static String fdPath(Map<String, Object> e) {
        EventKind kind = e.get("event") instanceof String name ? Catalogue.kind(name) : null;
        if (kind != null && !kind.def().path().isEmpty()) {
            return e.get(kind.def().path()) instanceof String s && !s.isEmpty() ? s : null;
        }
        for (String k : Catalogue.pathFields()) {
            if (!k.equals("exe") && e.get(k) instanceof String s && !s.isEmpty()) {
                return s;
            }
        }
        return null;
    }

    /** "registry/name:tag@digest" without tag and digest. */
    static String repository(String image) {
        String s = image;
        int at = s.indexOf('@');
        if (at >= 0) {
            s = s.substring(0, at);
        }
        int colon = s.lastIndexOf(':');
        return colon > s.lastIndexOf('/') ? s.substring(0, colon) : s;
    }

    /** The tag of an image reference: after the last colon of its last path part; latest when there is neither tag nor digest. */
    static String tag(String image) {
        int at = image.indexOf('@');
        String s = at >= 0 ? image.substring(0, at) : image;
        int colon = s.lastIndexOf(':');
        return colon > s.lastIndexOf('/') ? s.substring(colon + 1) : at >= 0 ? "" : "latest";
    }

    static String directory(String path) {
        if (path == null) {
            return null;
        }
        int i = path.lastIndexOf('/');
        return i <= 0 ? "/" : path.substring(0, i);
    }

    static String basename(String path) {
        if (path == null) {
            return null;
        }
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
