package dev.vigil.detect;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Falco field names over Vigil's events. An event reaches the rules as a flat map of its JSON
 * fields (plus context: {@code parent_exe}, {@code parent_args}, {@code proc_args}); each Falco
 * field is resolved once, when a rule is compiled, into a function over that map. Every raw field
 * of an event is also a field under its own name ({@code argv}, {@code dip}, {@code pid_tree}…).
 */
public final class Fields {
    private Fields() {}

    /** Raw names any event may carry (header, context and every hook's own fields). */
    static final Set<String> RAW = Set.of(
            "schema", "ts", "time", "data_type", "event", "pid", "tid", "ppid", "pgid", "tgid", "sid", "uid", "gid", "euid",
            "egid", "loginuid", "sessionid", "comm", "pns", "mntns", "netns", "start_time", "exe", "username",
            "container_id", "nodename", "root_pns", "res", "argv", "args", "argc", "argv_truncated", "run_path",
            "filename", "stdin", "stdout", "sa_family", "sip", "sport", "dip", "dport", "socket_pid", "pid_tree", "tty",
            "ssh", "ld_preload", "wait", "protocol", "fd", "query", "qtype", "opcode", "rcode", "answers", "file", "buf",
            "flags", "mode", "file_path", "fsid", "old_name", "new_name", "sb_id", "dev", "fstype", "fdname", "ko_file",
            "mprotect_prot", "addr", "len", "owner_pid", "vm_file", "sec", "nsec", "exit_code", "target_pid", "sig",
            "ptrace_request", "data", "option", "old_uid", "p_pid", "p_cred", "c_cred", "ports", "window_ms",
            "action", "subsystem", "devpath", "product_info", "manufacturer", "serial", "parent_exe", "parent_args",
            "parent_comm", "proc_args", "in_container", "ancestors", "access", "target_start", "target_exe", "target_comm", "write", "socket_type", "socket_protocol", "cap_effective", "cap_permitted", "cap_inheritable", "prog_type", "prog_name", "namespaces", "ns_inode", "env", "env_truncated", "sysctl", "script", "loader_target", "exe_deleted", "exec_id", "parent_exec_id", "response", "length", "container_runtime", "container_image", "container_privileged", "symlink", "vpid", "pvpid", "vpgid", "loginname", "groupname", "proc_duration", "exe_upper_layer", "exe_writable");

    private static final Pattern ENV_VAR = Pattern.compile("proc\\.env(?:\\.|\\[)([A-Za-z_][A-Za-z0-9_]{0,127})]?");
    private static final Pattern INDEXED = Pattern.compile("proc\\.(aname|apid|aexe|aexepath|acmdline)\\[(\\d{1,3})]");
    /** Falco fields of metadata Vigil has no source for on this host (Kubernetes, image layers): empty, as Falco has them outside a pod. */
    private static final Pattern NO_SOURCE = Pattern.compile("k8s\\.[a-z0-9_.]+(\\[[^\\]]{1,128}])?|proc\\.exe_ino(\\.[a-z_]+)?"
            + "|container\\.(start_ts|duration|name|image\\.(tag|digest|id)|ip|cni\\.json|healthcheck|liveness_probe|readiness_probe"
            + "|mounts?(\\.[a-z_]+)?(\\[[^\\]]{1,256}])?|label(\\.[a-z0-9_.\\-/]+)?|labels)"
            + "|fd\\.nameraw|fd\\.[a-z]ip\\.name|fd\\.ino|fd\\.dev|fd\\.uid|fd\\.name_changed|fd\\.types|proc\\.fdopencount");

    /** Fields that are plain look-ups of one key: cheaper to read again than to remember. */
    private static final java.util.regex.Pattern PLAIN = java.util.regex.Pattern.compile(
            "evt\\.(time|rawtime|num|datetime|time\\.iso8601|hostname|rawres|buffer|source|dir)|proc\\.(name|exe|exepath|pid|tgid|ppid|sid|pgid|cwd|duration|pexe|pexepath)"
            + "|thread\\.(tid|cap_\\w+)|user\\.(uid|name|loginuid|euid)|group\\.(gid|name)|fd\\.(dip|dport)|host\\.name|container\\.(type|image|privileged)");
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
                .map(f -> PLAIN.matcher(n).matches() || RAW.contains(n) ? f : new Memo(f))).orElse(null);
    }

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

    private static Function<Map<String, Object>, Object> build(String name) {
        Matcher m = INDEXED.matcher(name);
        if (m.matches()) {
            return indexed(m.group(1), Integer.parseInt(m.group(2)));
        }
        Matcher env = ENV_VAR.matcher(name);
        if (env.matches() && !(name.contains("[") ^ name.endsWith("]"))) {
            String prefix = env.group(1) + "=";
            boolean preload = env.group(1).equals("LD_PRELOAD");
            return e -> envValue(e, prefix, preload);
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
        if (NO_SOURCE.matcher(name).matches()) {
            return e -> e.get(name);
        }
        Function<Map<String, Object>, Object> f = switch (name) {
            case "evt.type" -> e -> new Falco.Types(String.valueOf(e.get("event")), Falco.types(e));
            case "evt.time", "evt.rawtime", "evt.num" -> e -> e.get("ts");
            case "evt.datetime", "evt.time.iso8601" -> e -> e.get("time");
            case "evt.hostname" -> e -> e.get("nodename");
            case "evt.dir" -> e -> Falco.Direction.BOTH;
            case "evt.res" -> e -> e.get("res") instanceof Number n ? Falco.result(n.longValue()) : null;
            case "evt.rawres" -> e -> e.get("res");
            case "evt.failed" -> e -> e.get("res") instanceof Number n && n.longValue() < 0;
            case "evt.is_open_read" -> e -> Falco.openLike(e) ? (openAccess(e) & 1) != 0 : null;
            case "evt.is_open_write" -> e -> Falco.openLike(e) ? (openAccess(e) & 2) != 0 : null;
            case "evt.is_open_exec" -> e -> Falco.openLike(e) ? e.get("flags") instanceof Number n && (n.longValue() & 040) != 0 : null;
            case "evt.args" -> FalcoArgs::all;
            case "evt.buffer" -> e -> e.get("buf");
            case "evt.source" -> e -> "syscall";
            case "proc.name" -> e -> e.get("comm");
            case "proc.exe", "proc.exepath" -> e -> e.get("exe");
            case "proc.args" -> e -> String.join(" ", tail(args(e)));
            case "proc.cmdline" -> e -> cmdline(e.get("comm"), args(e));
            case "proc.cmdnargs" -> e -> (long) tail(args(e)).size();
            case "proc.pid", "proc.tgid" -> e -> e.get("pid");
            case "proc.vpid" -> e -> first(e.get("vpid"), onHost(e) ? e.get("pid") : null);
            case "proc.ppid" -> e -> e.get("ppid");
            case "proc.pvpid" -> e -> first(e.get("pvpid"), onHost(e) ? e.get("ppid") : null);
            case "proc.pname" -> e -> first(e.get("parent_comm"), ancestor(e, 1, false));
            case "proc.pexe", "proc.pexepath" -> e -> e.get("parent_exe");
            case "proc.pcmdline" -> e -> cmdline(first(e.get("parent_comm"), ancestor(e, 1, false)), list(e.get("parent_args")));
            case "proc.aname" -> e -> ancestors(e, false);
            case "proc.apid" -> e -> ancestors(e, true);
            case "proc.tty" -> e -> {
                long n = Falco.ttyNumber(e.get("tty") instanceof String s ? s : "");
                return new Falco.Named(n, Long.toString(n));
            };
            case "proc.sid" -> e -> e.get("sid");
            case "proc.vpgid" -> e -> first(e.get("vpgid"), onHost(e) ? e.get("pgid") : null);
            case "proc.pgid" -> e -> e.get("pgid");
            case "proc.is_vpgid_leader" -> e -> e.get("pgid") != null && e.get("pgid").equals(e.get("pid"));
            case "proc.is_sid_leader" -> e -> e.get("sid") != null && e.get("sid").equals(e.get("pid"));
            case "proc.sname" -> Fields::sessionLeader;
            case "proc.cwd" -> e -> e.get("run_path");
            case "proc.runs" -> Fields::runs;
            case "proc.duration" -> e -> e.get("proc_duration");
            case "proc.is_exe_from_memfd" -> e -> e.get("exe") instanceof String s && s.startsWith("/memfd:");
            case "proc.is_exe_upper_layer" -> e -> Boolean.TRUE.equals(e.get("exe_upper_layer"));
            case "proc.is_exe_writable" -> e -> Boolean.TRUE.equals(e.get("exe_writable"));
            case "proc.exe_deleted" -> e -> Boolean.TRUE.equals(e.get("exe_deleted"));
            case "proc.env" -> e -> e.get("env") instanceof List<?> l ? String.join(" ", list(l)) : null;
            case "thread.tid" -> e -> e.get("tid");
            case "thread.cap_effective" -> e -> e.get("cap_effective");
            case "thread.cap_permitted" -> e -> e.get("cap_permitted");
            case "thread.cap_inheritable" -> e -> e.get("cap_inheritable");
            case "user.uid" -> e -> e.get("uid");
            case "user.name" -> e -> e.get("username");
            case "user.loginuid" -> e -> e.get("loginuid");
            case "user.loginname" -> e -> first(e.get("loginname"), e.get("loginuid") instanceof Number n ? loginName(n.longValue()) : null);
            case "user.euid" -> e -> e.get("euid");
            case "group.gid" -> e -> e.get("gid");
            case "group.name" -> e -> e.get("groupname");
            case "fd.num" -> FdFields::num;
            case "fd.name" -> FdFields::name;
            case "fd.directory" -> e -> directory(fdPath(e));
            case "fd.filename" -> e -> basename(fdPath(e));
            case "fd.type" -> FdFields::type;
            case "fd.typechar" -> FdFields::typechar;
            case "fd.sockfamily" -> FdFields::sockfamily;
            case "fd.l4proto" -> FdFields::l4proto;
            case "fd.connected" -> FdFields::connected;
            case "fd.ip" -> e -> FdFields.both(e, true);
            case "fd.port" -> e -> FdFields.both(e, false);
            case "fd.net" -> e -> FdFields.both(e, true);
            case "fd.lip", "fd.lnet" -> e -> FdFields.end(e, FdFields.End.LOCAL, true);
            case "fd.rip", "fd.rnet" -> e -> FdFields.end(e, FdFields.End.REMOTE, true);
            case "fd.cip", "fd.cnet" -> e -> FdFields.end(e, FdFields.End.CLIENT, true);
            case "fd.sip", "fd.snet" -> e -> FdFields.end(e, FdFields.End.SERVER, true);
            case "fd.lport" -> e -> FdFields.end(e, FdFields.End.LOCAL, false);
            case "fd.rport" -> e -> FdFields.end(e, FdFields.End.REMOTE, false);
            case "fd.cport" -> e -> FdFields.end(e, FdFields.End.CLIENT, false);
            case "fd.sport" -> e -> FdFields.end(e, FdFields.End.SERVER, false);
            case "fd.dip" -> e -> e.get("dip");
            case "fd.dport" -> e -> e.get("dport");
            case "container.id" -> e -> {
                Object c = e.get("container_id");
                return c == null || "".equals(c) ? "host" : c;
            };
            case "host.name" -> e -> e.get("nodename");
            case "container.type" -> e -> e.get("container_runtime");
            case "container.image" -> e -> e.get("container_image");
            case "container.image.repository" -> e -> e.get("container_image") instanceof String i ? repository(i) : null;
            case "container.privileged" -> e -> e.get("container_privileged");
            default -> null;
        };
        if (f != null) {
            return f;
        }
        return RAW.contains(name) ? e -> e.get(name) : null;
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
    private static Object envValue(Map<String, Object> e, String prefix, boolean preload) {
        for (String kv : list(e.get("env"))) {
            if (kv.startsWith(prefix)) {
                return kv.substring(prefix.length());
            }
        }
        return preload && e.get("ld_preload") instanceof String s && !s.isEmpty() ? s : null;
    }

    static List<String> list(Object o) {
        if (!(o instanceof List<?> l)) {
            return List.of();
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

    private static final String[] PATH_KEYS = {"file_path", "file", "filename", "old_name", "ko_file", "fdname"};

    static String fdPath(Map<String, Object> e) {
        if ("rename".equals(e.get("event")) || "link".equals(e.get("event"))) {
            return e.get("new_name") instanceof String s ? s : null;
        }
        if ("execve".equals(e.get("event"))) {
            return e.get("exe") instanceof String s ? s : null;
        }
        for (String k : PATH_KEYS) {
            if (e.get(k) instanceof String s && !s.isEmpty()) {
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
