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
            "parent_comm", "proc_args", "in_container", "ancestors", "access", "target_start", "target_exe", "target_comm", "write", "socket_type", "socket_protocol", "cap_effective", "cap_permitted", "cap_inheritable", "prog_type", "prog_name", "namespaces", "ns_inode", "env", "env_truncated", "sysctl", "script", "loader_target", "exe_deleted", "exec_id", "parent_exec_id", "response", "length", "container_runtime", "container_image", "container_privileged");

    private static final Pattern ENV_VAR = Pattern.compile("proc\\.env(?:\\.|\\[)([A-Za-z_][A-Za-z0-9_]{0,127})]?");
    private static final Pattern INDEXED = Pattern.compile("(proc\\.aname|proc\\.apid)\\[(\\d{1,3})]");

    /** The accessor for `name`, or null when Vigil does not collect that field. */
    public static Function<Map<String, Object>, Object> resolve(String name) {
        Matcher m = INDEXED.matcher(name);
        if (m.matches()) {
            int level = Integer.parseInt(m.group(2));
            boolean pid = m.group(1).endsWith("apid");
            return e -> ancestor(e, level, pid);
        }
        Matcher env = ENV_VAR.matcher(name);
        if (env.matches() && !(name.contains("[") ^ name.endsWith("]"))) {
            String prefix = env.group(1) + "=";
            boolean preload = env.group(1).equals("LD_PRELOAD");
            return e -> envValue(e, prefix, preload);
        }
        if (name.startsWith("evt.arg.")) {
            String raw = name.substring("evt.arg.".length());
            return RAW.contains(raw) ? e -> e.get(raw) : null;
        }
        Function<Map<String, Object>, Object> f = switch (name) {
            case "evt.type" -> e -> e.get("event");
            case "evt.time" -> e -> e.get("ts");
            case "evt.res" -> e -> e.get("res");
            case "evt.num" -> e -> e.get("ts");
            case "proc.name" -> e -> e.get("comm");
            case "proc.exe", "proc.exepath" -> e -> e.get("exe");
            case "proc.args" -> e -> String.join(" ", tail(args(e)));
            case "proc.cmdline" -> e -> cmdline(e.get("comm"), args(e));
            case "proc.pid", "proc.tgid" -> e -> e.get("pid");
            case "proc.ppid" -> e -> e.get("ppid");
            case "proc.pname" -> e -> first(e.get("parent_comm"), ancestor(e, 1, false));
            case "proc.pexe", "proc.pexepath" -> e -> e.get("parent_exe");
            case "proc.pcmdline" -> e -> cmdline(first(e.get("parent_comm"), ancestor(e, 1, false)), list(e.get("parent_args")));
            case "proc.tty" -> e -> e.get("tty");
            case "proc.sid" -> e -> e.get("sid");
            case "proc.pgid" -> e -> e.get("pgid");
            case "proc.cwd" -> e -> e.get("run_path");
            case "proc.is_exe_from_memfd" -> e -> e.get("exe") instanceof String s && s.startsWith("/memfd:");
            case "proc.env" -> e -> e.get("env") instanceof List<?> l ? String.join(" ", list(l)) : null;
            case "thread.cap_effective" -> e -> e.get("cap_effective");
            case "thread.cap_permitted" -> e -> e.get("cap_permitted");
            case "thread.cap_inheritable" -> e -> e.get("cap_inheritable");
            case "user.uid" -> e -> e.get("uid");
            case "user.name" -> e -> e.get("username");
            case "user.loginuid" -> e -> e.get("loginuid");
            case "user.euid" -> e -> e.get("euid");
            case "fd.name" -> Fields::fdName;
            case "fd.directory" -> e -> directory(fdPath(e));
            case "fd.filename" -> e -> basename(fdPath(e));
            case "fd.sip" -> e -> e.get("sip");
            case "fd.dip" -> e -> e.get("dip");
            case "fd.sport" -> e -> e.get("sport");
            case "fd.dport" -> e -> e.get("dport");
            case "fd.rip" -> e -> e.get("dip");
            case "fd.rport" -> e -> e.get("dport");
            case "fd.l4proto" -> e -> e.get("protocol");
            case "fd.typechar" -> Fields::typechar;
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

    private static Object fdName(Map<String, Object> e) {
        String path = fdPath(e);
        if (path != null) {
            return path;
        }
        if (e.get("dip") instanceof String dip && !dip.isEmpty()) {
            return e.get("sip") + ":" + e.get("sport") + "->" + dip + ":" + e.get("dport");
        }
        return null;
    }

    private static Object typechar(Map<String, Object> e) {
        Object family = e.get("sa_family");
        if (family instanceof Number n && n.intValue() != 0) {
            return n.intValue() == 10 ? "6" : "4";
        }
        return fdPath(e) != null ? "f" : null;
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
