package dev.vigil.event;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.vigil.event.FieldKind.ADDRESS;
import static dev.vigil.event.FieldKind.ANCESTRY;
import static dev.vigil.event.FieldKind.FLAG;
import static dev.vigil.event.FieldKind.LIST;
import static dev.vigil.event.FieldKind.NUMBER;
import static dev.vigil.event.FieldKind.OBJECT;
import static dev.vigil.event.FieldKind.PATH;
import static dev.vigil.event.FieldKind.TEXT;

/**
 * Every event type of every source, and every field a rule can read. An event type's own
 * declaration (its {@link EventDef}) names its fields; this class says once what each field name
 * holds, so that {@code file_path} means the same in chmod as in create_file. The JSON output,
 * the rules' raw fields, the Falco names that read a field unchanged, {@code vigil fields},
 * {@code vigil hooks} and the console's idea of an event's path all come from here.
 */
public final class Catalogue {
    private Catalogue() {}

    /** Every event type, from every source: one line per source. */
    public static List<EventKind> kinds() {
        return KINDS;
    }

    private static final List<EventKind> KINDS = java.util.stream.Stream.of(EventType.values(), K8sAuditType.values(), RaspType.values(),
            IntegrityType.values()).flatMap(java.util.Arrays::stream).map(k -> (EventKind) k).toList();

    /** The sources events come from, by Falco's names: a rule's {@code source:} picks one. */
    public static final Set<String> SOURCES = Set.of("syscall", "k8s_audit", "jvm", "integrity");

    /** The event type of this name ("execve"), from any source; null when there is none. */
    public static EventKind kind(String eventName) {
        return BY_NAME.get(eventName);
    }

    private static final Map<String, EventKind> BY_NAME;
    static {
        Map<String, EventKind> m = new LinkedHashMap<>();
        for (EventKind k : KINDS) {
            if (m.put(k.eventName(), k) != null) {
                throw new IllegalStateException("two event types named " + k.eventName());
            }
        }
        BY_NAME = Collections.unmodifiableMap(m);
    }

    /** Fields every event of every source carries. */
    public static final List<String> EVERY_SOURCE = List.of("schema", "ts", "time", "data_type", "event", "nodename");

    /** A new event of a source other than the kernel, with the fields every source's events carry ({@link #EVERY_SOURCE}), in that order. */
    public static Map<String, Object> event(EventKind kind, long schema, long ts, String host, int capacity) {
        Map<String, Object> e = new LinkedHashMap<>(capacity);
        e.put("schema", schema);
        e.put("ts", ts);
        e.put("time", WallTime.iso(ts));
        e.put("data_type", (long) kind.number());
        e.put("event", kind.eventName());
        e.put("nodename", host);
        return e;
    }

    /** Fields every event of the kernel carries: the schema, times, the kernel's header, what enrichment adds. */
    public static final List<String> COMMON = List.of("schema", "ts", "time", "data_type", "event", "pid", "tid", "ppid",
            "pgid", "tgid", "sid", "uid", "gid", "euid", "egid", "loginuid", "sessionid", "comm", "pns", "mntns", "netns",
            "start_time", "exe", "username", "container_id", "nodename", "exec_id", "parent_exec_id", "root_pns",
            "in_container");

    /**
     * Fields an event carries when the agent knows them: the container's details, the process and
     * parent from the process cache, the process an event acts on (ptrace, kill, process_memory).
     */
    public static final List<String> CONTEXT = List.of("container_runtime", "container_name", "container_image", "container_privileged", "container_mounts",
            "k8s_pod_name", "k8s_ns_name", "k8s_pod_labels", "proc_args", "parent_exe", "parent_comm", "parent_args", "target_exe", "target_comm", "pipe_relay", "dip_name", "sip_name");

    /**
     * The JVM RASP's fields a kernel event carries when a Java call started its process (or an
     * ancestor): jvm_pid is the JVM, the rest are copied from that call's jvm_process event.
     */
    public static final List<String> JAVA_ORIGIN = List.of("jvm_pid", "jvm_main", "jvm_stack", "jvm_stack_marks", "http_method", "http_url",
            "http_remote", "http_handler");

    /**
     * Fields whose values many events repeat verbatim: a process's environment is inherited by its
     * children, and most processes run with one of a few capability sets. The store keeps each
     * value once.
     */
    public static final Set<String> REPEATED = Set.of("env", "cap_effective", "cap_permitted", "cap_inheritable");

    /** Fields of recordings made by other collectors, read when a replayed event carries them. */
    public static final List<String> RECORDED = List.of("vpid", "pvpid", "vpgid", "loginname", "groupname",
            "proc_duration", "exe_writable");

    private static final Map<String, FieldDef> FIELDS = new LinkedHashMap<>();

    private static void def(String name, FieldKind kind, String description, String... falco) {
        if (FIELDS.put(name, new FieldDef(name, kind, description, List.of(falco))) != null) {
            throw new IllegalStateException("field " + name + " defined twice");
        }
    }

    static {
        def("schema", NUMBER, "version of the event JSON; bumped on a breaking change only");
        def("ts", NUMBER, "wall-clock time of the event, ns since the epoch", "evt.time", "evt.rawtime", "evt.num");
        def("time", TEXT, "the same time, ISO 8601", "evt.datetime", "evt.time.iso8601");
        def("data_type", NUMBER, "the event type's number (Elkeid's data_type)");
        def("event", TEXT, "the event type's name");
        def("pid", NUMBER, "process id (the thread group's), as seen from the host", "proc.pid", "proc.tgid");
        def("tid", NUMBER, "thread id", "thread.tid");
        def("ppid", NUMBER, "the parent's process id", "proc.ppid");
        def("pgid", NUMBER, "process group id", "proc.pgid");
        def("tgid", NUMBER, "thread group id (the same as pid)");
        def("sid", NUMBER, "session id", "proc.sid");
        def("uid", NUMBER, "real user id", "user.uid");
        def("gid", NUMBER, "real group id", "group.gid");
        def("euid", NUMBER, "effective user id", "user.euid");
        def("egid", NUMBER, "effective group id");
        def("loginuid", NUMBER, "the uid the session logged in as (audit loginuid; 4294967295: none)", "user.loginuid");
        def("sessionid", NUMBER, "audit session id");
        def("comm", TEXT, "the process's name (15 bytes at most; the process may set it)", "proc.name");
        def("pns", NUMBER, "pid namespace inode");
        def("mntns", NUMBER, "mount namespace inode");
        def("netns", NUMBER, "network namespace inode");
        def("start_time", NUMBER, "process start, boot-time ns: with pid, an identity that survives pid reuse");
        def("exe", PATH, "the process's executable", "proc.exe", "proc.exepath");
        def("username", TEXT, "the name of uid", "user.name");
        def("container_id", TEXT, "container id; empty on the host");
        def("nodename", TEXT, "host name (or the agent's --host-id)", "evt.hostname", "host.name");
        def("exec_id", TEXT, "the process's identity: host:start_time:pid");
        def("parent_exec_id", TEXT, "the parent's identity: host:start_time:pid");
        def("root_pns", NUMBER, "the host's pid namespace inode");
        def("in_container", FLAG, "in a container: a container id, or a mount namespace other than the host's");
        def("container_runtime", TEXT, "container runtime (docker, podman…)", "container.type");
        def("container_name", TEXT, "the container's name, as its runtime knows it", "container.name");
        def("container_image", TEXT, "the container's image", "container.image");
        def("container_privileged", FLAG, "the container runs privileged", "container.privileged");
        def("container_mounts", LIST, "on a program's start in a container: the host paths mounted into it, each source:dest:mode:rw:propagation");
        def("k8s_pod_name", TEXT, "the Kubernetes pod of the container, from the kubelet's labels or the CRI runtime's annotations", "k8s.pod.name");
        def("k8s_pod_labels", LIST, "the pod's labels, key:value, from the labels the kubelet put on the pod's sandbox container (docker)", "k8s.pod.labels");
        def("k8s_ns_name", TEXT, "the Kubernetes namespace of the container's pod", "k8s.ns.name");
        def("proc_args", LIST, "the process's argv from the process cache (events other than exec)");
        def("parent_exe", PATH, "the parent's executable", "proc.pexe", "proc.pexepath");
        def("parent_comm", TEXT, "the parent's name");
        def("parent_args", LIST, "the parent's argv");
        def("target_exe", PATH, "the executable of the process the event acts on");
        def("target_comm", TEXT, "the name of the process the event acts on");
        def("dip_name", TEXT, "the name a DNS reply this host received last gave dip (any process, any container); absent when none did");
        def("sip_name", TEXT, "the name a DNS reply this host received last gave sip");
        def("pipe_relay", TEXT, "a shell relayed to the network through a pipe: on the start of a shell that reads its commands from its"
                + " input, the process with a socket at the other end of its output (or of its input, for -i), as pid, name and peer;"
                + " on that process's connect, listen, accept or dup, the shell");
        def("vpid", NUMBER, "pid inside the process's pid namespace", "proc.vpid");
        def("pvpid", NUMBER, "the parent's pid inside its pid namespace", "proc.pvpid");
        def("vpgid", NUMBER, "process group id inside the pid namespace", "proc.vpgid");
        def("loginname", TEXT, "the name of loginuid", "user.loginname");
        def("groupname", TEXT, "the name of gid", "group.name");
        def("proc_duration", NUMBER, "ns since the process started", "proc.duration");
        def("exe_upper_layer", FLAG, "the executable is in an overlay's upper layer: written in the container, not part of its image", "proc.is_exe_upper_layer");
        def("exe_writable", FLAG, "the executable is writable by the process's user", "proc.is_exe_writable");
        def("res", NUMBER, "the call's result: 0 or more is success, a negative errno a failure", "evt.rawres");
        def("pid_tree", TEXT, "ancestry as Elkeid writes it: pid.comm<ppid.pcomm<… (12 levels)");
        def("ancestors", ANCESTRY, "ancestry as [{pid, start, comm}], nearest first, from the kernel's walk");
        // exec
        def("argv", TEXT, "the command line, arguments joined by spaces");
        def("args", LIST, "the arguments, argv[0] first");
        def("argc", NUMBER, "number of arguments");
        def("argv_truncated", FLAG, "the arguments were longer than argv_max and were cut");
        def("run_path", PATH, "working directory", "proc.cwd");
        def("filename", PATH, "the name exec or open was given");
        def("stdin", TEXT, "what fd 0 is: a path, pipe:[n], socket:[n]");
        def("stdout", TEXT, "what fd 1 is: a path, pipe:[n], socket:[n]");
        def("socket_pid", NUMBER, "the process whose fd 0 or 1 held the socket in sip/dip (a reverse shell's)");
        def("tty", TEXT, "controlling terminal (pts0…); empty when none");
        def("ssh", TEXT, "SSH_CONNECTION of the environment: client ip, port, server ip, port");
        def("ld_preload", TEXT, "LD_PRELOAD of the environment, as the kernel found it");
        def("cap_effective", TEXT, "effective capabilities by name, space-separated (on an open: the opener's, from the process cache)", "thread.cap_effective");
        def("cap_permitted", TEXT, "permitted capabilities by name (on a namespace event: the caller's, from the process cache)", "thread.cap_permitted");
        def("cap_inheritable", TEXT, "inheritable capabilities by name", "thread.cap_inheritable");
        def("env", LIST, "the environment, NAME=value (at most env_max bytes)");
        def("env_truncated", FLAG, "the environment was longer than env_max");
        def("script", PATH, "the script the kernel ran through its #! interpreter");
        def("loader_target", PATH, "the program the dynamic loader was asked to run (ld.so PROGRAM)");
        def("exe_deleted", FLAG, "the executable had no name left when it ran", "proc.exe_deleted");
        def("wait", NUMBER, "usermode helper: how the kernel waits for it (-1: unknown)");
        // network
        def("sa_family", NUMBER, "address family: 2 AF_INET, 10 AF_INET6, 17 AF_PACKET");
        def("sip", ADDRESS, "this host's address");
        def("sport", NUMBER, "this host's port");
        def("dip", ADDRESS, "the peer's address", "fd.dip");
        def("dport", NUMBER, "the peer's port", "fd.dport");
        def("protocol", TEXT, "tcp, udp, or the protocol's number");
        def("fd", NUMBER, "the file descriptor");
        def("query", TEXT, "the name asked for");
        def("qtype", NUMBER, "DNS query type (1 A, 28 AAAA…)");
        def("opcode", NUMBER, "DNS opcode");
        def("rcode", NUMBER, "DNS response code (0 no error, 3 NXDOMAIN)");
        def("answers", LIST, "addresses and names in the answer");
        def("response", FLAG, "a reply received (false: a query sent)");
        def("ports", NUMBER, "distinct ports probed within the window");
        def("window_ms", NUMBER, "the scan window, ms");
        def("socket_type", NUMBER, "socket type: 1 stream, 2 datagram, 3 raw, 10 packet");
        def("socket_protocol", NUMBER, "the socket's protocol number");
        // files
        def("file", PATH, "the file acted on");
        def("file_path", PATH, "the file acted on");
        def("buf", TEXT, "the first bytes written", "evt.buffer");
        def("flags", NUMBER, "the call's flags, as a number");
        def("mode", NUMBER, "file mode bits");
        def("fsid", TEXT, "the file system's id");
        def("sb_id", TEXT, "the file system's id (device)");
        def("host_path", PATH, "a watched file's path on the host, from the watch that matched it: for a file reached through a"
                + " container's bind mount, the host's name beside the container's `file`; empty when not known");
        def("old_name", PATH, "rename and link: the existing name (a symlink's target)");
        def("new_name", PATH, "rename and link: the new name; watched_change: a rename's new name or a hard link's (file is the watched name); prctl: the name the process gave itself");
        def("symlink", FLAG, "link: a symbolic link (false: a hard link)");
        def("dev", TEXT, "mount: the device or source mounted");
        def("fstype", TEXT, "mount: the file system type");
        def("fdname", TEXT, "memfd_create: the name given");
        def("ko_file", PATH, "load_module: the module file");
        def("length", NUMBER, "truncate: the new length");
        def("action", TEXT, "what was done, by event: add/remove (usb), setns/unshare/clone (namespace), unlink/rmdir/truncate/rename/link (watched_change), signal/ptrace… (agent_tamper)");
        // memory and processes
        def("mprotect_prot", NUMBER, "the protection asked for (PROT_EXEC is 4)");
        def("addr", NUMBER, "the address");
        def("len", NUMBER, "the length");
        def("owner_pid", NUMBER, "the process that owns the memory");
        def("vm_file", PATH, "the file mapped at that address");
        def("prot", NUMBER, "the memory protection asked for (PROT_EXEC is 4)");
        def("file_uid", NUMBER, "the owner of the file acted on");
        def("place", LIST, "why the kernel found a file's place writable: world_writable_dir, other_owner (another user's, not root's),"
                + " marked_dir (below a home, /tmp, /var/tmp, /dev/shm, /run/user, /var/www), memory_fs (tmpfs, ramfs, memfd), file_writable");
        def("sec", NUMBER, "seconds");
        def("nsec", NUMBER, "nanoseconds");
        def("exit_code", NUMBER, "exit status");
        def("target_pid", NUMBER, "the process acted on");
        def("target_start", NUMBER, "the start time of the process acted on (with target_pid, its identity)");
        def("sig", NUMBER, "signal number");
        def("group", FLAG, "the signal was sent to the whole thread group (kill), not one thread (tkill, tgkill)");
        def("ptrace_request", NUMBER, "the ptrace request (16 PTRACE_ATTACH, 4 POKETEXT…)");
        def("data", NUMBER, "ptrace's data argument");
        def("option", NUMBER, "prctl's option");
        def("old_uid", NUMBER, "update_cred: the uid before the call");
        def("p_pid", NUMBER, "privilege_escalation: the parent's pid");
        def("p_cred", TEXT, "the parent's ids: uid|euid|suid|fsuid|gid|egid|sgid|fsgid");
        def("c_cred", TEXT, "the process's ids, in the same order");
        def("access", TEXT, "process_memory: process_vm_writev, process_vm_readv or proc_open");
        def("write", FLAG, "the access writes");
        def("prog_type", NUMBER, "bpf_load: the program type");
        def("prog_name", TEXT, "bpf_load: the program's name");
        def("namespaces", TEXT, "namespace kinds by name (mnt pid net…)");
        def("ns_inode", NUMBER, "setns: the joined namespace's inode");
        def("sysctl", TEXT, "the tunable's name (kernel.core_pattern)");
        def("subsystem", TEXT, "usb: the uevent's subsystem");
        def("devpath", TEXT, "usb: the device's path under /sys");
        def("product_info", TEXT, "usb: the product");
        def("manufacturer", TEXT, "usb: the manufacturer");
        def("serial", TEXT, "usb: the serial number");
        def("parent_pid", NUMBER, "fork: the parent's pid");
        def("cgroup_id", NUMBER, "cgroup: the cgroup v2 id");
        def("removed", FLAG, "cgroup: removed (false: made)");
        def("path", PATH, "the path");
        // Kubernetes audit events (Falco's k8saudit names)
        def("audit_id", TEXT, "the request's audit id, the same in each of its stages", "ka.auditid");
        def("stage", TEXT, "the stage of the request: RequestReceived, ResponseStarted, ResponseComplete, Panic", "ka.stage");
        def("verb", TEXT, "the Kubernetes verb (get, list, create, update, patch, delete…) or the HTTP method's for other URIs", "ka.verb");
        def("uri", TEXT, "the request URI as the client sent it", "ka.uri");
        def("k8s_user", TEXT, "the Kubernetes user who made the request", "ka.user.name");
        def("k8s_groups", LIST, "that user's groups", "ka.user.groups");
        def("impersonated_user", TEXT, "the user impersonated, if any", "ka.impuser.name");
        def("resource", TEXT, "the resource acted on (pods, secrets…)", "ka.target.resource");
        def("subresource", TEXT, "the subresource (exec, attach, log…)", "ka.target.subresource");
        def("target_namespace", TEXT, "the namespace of the object acted on", "ka.target.namespace");
        def("target_name", TEXT, "the name of the object acted on", "ka.target.name");
        def("api_group", TEXT, "the API group of the resource (empty: the core group)");
        def("api_version", TEXT, "the API version of the resource");
        def("response_code", NUMBER, "the HTTP status the API server answered", "ka.response.code");
        def("response_reason", TEXT, "the reason of the answer (mostly on failures)", "ka.response.reason");
        def("decision", TEXT, "the authorizer's decision: allow or forbid", "ka.auth.decision");
        def("reason", TEXT, "the authorizer's reason", "ka.auth.reason");
        def("source_ips", LIST, "the client's addresses, nearest proxy last", "ka.sourceips");
        def("user_agent", TEXT, "the client's user agent", "ka.useragent");
        def("cluster", TEXT, "the cluster's name, as the agent or the webhook was told it", "ka.cluster.name");
        def("audit", OBJECT, "the whole audit event as the API server sent it");
        // The JVM RASP's events; the kernel's events of a process a Java call started carry the stack and request too
        def("jvm_class", TEXT, "the hooked class (java.lang.ProcessImpl…)", "jvm.class");
        def("jvm_method", TEXT, "the hooked method", "jvm.method");
        def("jvm_op", TEXT, "what the call does: start, lookup, resolve, load, loadLibrary, define, lookup_define, hidden, connect, read, write, delete, rename; filter, filter_mapping, servlet, servlet_mapping, listener, valve, controller; el, spel, ognl", "jvm.op");
        def("jvm_target", TEXT, "what the call acts on: the program, JNDI name, class name, library, host:port, path, component class or expression", "jvm.target");
        def("jvm_args", LIST, "the call's arguments (a process's argv; a defined class's loader; a connect's host name; a file's paths as given)", "jvm.args");
        def("jvm_code_source", TEXT, "where the class acted on came from (a jar, a directory); empty: bytes with no class file (a defined class, a web component)", "jvm.code_source");
        def("jvm_thread", TEXT, "the Java thread's name", "jvm.thread");
        def("jvm_stack", LIST, "the Java stack of the call, innermost frame first (48 frames at most), each class.method(File:line)", "jvm.stack");
        def("jvm_stack_marks", LIST, "what the stack shows, by class of exploit: deserialization, jndi, expression, script, reflection, memory_class, request", "jvm.stack.marks");
        def("jvm_memory_classes", LIST, "classes on the stack that were defined from bytes with no class file", "jvm.stack.memory_classes");
        def("jvm_main", TEXT, "the JVM's main class or jar", "jvm.main");
        def("jvm_version", TEXT, "the JVM's Java version", "jvm.version");
        def("jvm_pid", NUMBER, "a kernel event's: the JVM whose Java call started this process (or its ancestor)", "jvm.pid");
        def("http_method", TEXT, "the HTTP method of the request the thread was serving", "http.method");
        def("http_url", TEXT, "that request's path and query", "http.url");
        def("http_remote", TEXT, "that request's peer, address:port", "http.remote");
        def("http_handler", TEXT, "the class that served it (the servlet, the HttpHandler)", "http.handler");
        def("blocked", FLAG, "a rule's block stopped the call: it threw instead of running", "jvm.blocked");
        // The integrity checks' findings
        def("integrity_check", TEXT, "the check that found it: syscall_table, syscall_dispatch, inline_hooks, idt, proc_file_ops, hidden_modules,"
                + " ftrace, hidden_processes, preload_hiders, fake_kernel_threads, deleted_executables, proc_mounts", "integrity.check");
        def("integrity_subject", TEXT, "what is not as it should be: a slot (sys_call_table[62]), a function, a gate, a module, a library; for a"
                + " hidden process where it is hidden from: listing (a readdir hook) or proc (/proc itself)", "integrity.subject");
        def("integrity_address", TEXT, "the address it points at, hex", "integrity.address");
        def("integrity_owner", TEXT, "who owns that address: a kernel function+offset, [module] function, or 'not in any known text'", "integrity.owner");
        def("integrity_detail", TEXT, "the finding in one sentence", "integrity.detail");
        def("integrity_symbols", LIST, "the hiding functions a preloaded library exports (readdir, readdir64, open, stat…)", "integrity.symbols");
    }

    /** The definition of a field name, or null. */
    public static FieldDef field(String name) {
        return FIELDS.get(name);
    }

    /** Every field name a rule can read as itself. */
    public static Set<String> fieldNames() {
        return FIELDS.keySet();
    }

    /** The raw field a plain Falco field reads unchanged ({@code proc.name} → {@code comm}), or null. */
    public static String rawOfFalco(String falcoName) {
        return FALCO_TO_RAW.get(falcoName);
    }

    private static final Map<String, String> FALCO_TO_RAW = new LinkedHashMap<>();
    static {
        for (FieldDef f : FIELDS.values()) {
            for (String n : f.falco()) {
                FALCO_TO_RAW.put(n, f.name());
            }
        }
    }

    /** The event types that carry `field`, in catalogue order; every type for a common field. */
    public static List<EventKind> carriers(String field) {
        List<EventKind> out = new ArrayList<>();
        boolean everySource = EVERY_SOURCE.contains(field);
        boolean everyProcess = COMMON.contains(field) || CONTEXT.contains(field) || JAVA_ORIGIN.contains(field) || RECORDED.contains(field);
        for (EventKind k : KINDS) {
            if (everySource || everyProcess && k.def().source().equals("syscall") || k.def().fields().contains(field)) {
                out.add(k);
            }
        }
        return out;
    }

    /** Every path field an event type names as its path ({@link EventDef#path}), for searches by path. */
    public static Set<String> pathFields() {
        return PATH_FIELDS;
    }

    /** The Falco event types (syscall names) some event type stands for. */
    public static Set<String> falcoTypes() {
        Set<String> out = new LinkedHashSet<>();
        for (EventKind k : KINDS) {
            out.addAll(k.def().falcoTypes());
        }
        return out;
    }

    private static final Set<String> PATH_FIELDS;

    static {
        Set<String> paths = new LinkedHashSet<>();
        for (EventKind k : KINDS) {
            EventDef d = k.def();
            if (!d.path().isEmpty()) {
                paths.add(d.path());
            }
            for (String f : d.fields()) {
                if (!FIELDS.containsKey(f)) {
                    throw new IllegalStateException(k.eventName() + ": field " + f + " is not defined in the catalogue");
                }
            }
            if (!d.path().isEmpty() && !d.fields().contains(d.path())) {
                throw new IllegalStateException(k.eventName() + ": path field " + d.path() + " is not among its fields");
            }
        }
        PATH_FIELDS = Collections.unmodifiableSet(paths);
    }
}
