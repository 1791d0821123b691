package dev.vigil.event;

import java.util.List;

/**
 * 59 execve, and 607 call_usermodehelper_exec when the parent is a kernel thread. {@code stdin}
 * and {@code stdout} say what fds 0 and 1 were (a path, {@code pipe:[ino]}, {@code socket:[ino]});
 * {@code peer} is the inet socket found on fd 0/1 of the process or an ancestor, whose process
 * is {@code socketPid}.
 */
public record ExecEvent(
        Header header, PidTree pidTree, String exe, List<String> args, boolean argvTruncated,
        String runPath, String stdin, String stdout, String tty, String ldPreload, String ssh,
        String filename, Endpoints peer, int socketPid, boolean parentKthread, long capEffective, long capPermitted,
        List<String> env, boolean envTruncated, int execFlags, int vpid, int pvpid) implements Event {
    /** bpf/include/vigil.h: EXEC_SCRIPT, EXEC_EXE_DELETED, EXEC_EXE_UPPER. */
    public static final int SCRIPT = 1, EXE_DELETED = 2, EXE_UPPER = 4;

    /** For a #! file: the script the interpreter runs, made absolute against the working directory. */
    public String script() {
        if ((execFlags & SCRIPT) == 0 || filename.isEmpty()) {
            return "";
        }
        if (filename.startsWith("/") || runPath.isEmpty()) {
            return filename;
        }
        try {
            return java.nio.file.Path.of(runPath).resolve(filename).normalize().toString();
        } catch (java.nio.file.InvalidPathException notAPath) {
            return (runPath.endsWith("/") ? runPath : runPath + "/") + filename;
        }
    }

    /**
     * The program the dynamic loader was asked to run ({@code ld-linux-x86-64.so.2 FILE}): its
     * first argument that is not an option (or an option's value), else "".
     */
    public String loaderTarget() {
        String base = exe.substring(exe.lastIndexOf('/') + 1);
        if (!(base.startsWith("ld-linux") || base.startsWith("ld.so") || base.startsWith("ld64.so") || base.startsWith("ld-musl"))) {
            return "";
        }
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--library-path") || a.equals("--preload") || a.equals("--audit") || a.equals("--argv0")
                    || a.equals("--inhibit-rpath") || a.equals("--glibc-hwcaps-prepend") || a.equals("--glibc-hwcaps-mask")) {
                i++;
            } else if (!a.startsWith("--")) {
                return a;
            }
        }
        return "";
    }


    public String argv() {
        return String.join(" ", args);
    }

    public boolean exeFromMemfd() {
        return exe.startsWith("/memfd:");
    }

    @Override
    public void fields(FieldSink out) {
        out.field("exe", exe);
        out.rendered("argv", this::argv);
        out.field("args", args);
        out.field("argc", args.size());
        out.field("argv_truncated", argvTruncated);
        out.field("run_path", runPath);
        out.field("filename", filename);
        out.field("stdin", stdin);
        out.field("stdout", stdout);
        peer.fields(out);
        out.field("socket_pid", socketPid);
        out.ancestry(pidTree);
        out.field("tty", tty);
        out.field("ssh", ssh);
        out.field("ld_preload", ldPreload);
        out.field("cap_effective", Capabilities.names(capEffective));
        out.field("cap_permitted", Capabilities.names(capPermitted));
        out.field("env", env);
        out.field("env_truncated", envTruncated);
        if ((execFlags & SCRIPT) != 0) {
            out.field("script", script());
        }
        String loaded = loaderTarget();
        if (!loaded.isEmpty()) {
            out.field("loader_target", loaded);
        }
        out.field("exe_deleted", (execFlags & EXE_DELETED) != 0);
        out.field("exe_upper_layer", (execFlags & EXE_UPPER) != 0);
        if (vpid != 0) {
            out.field("vpid", Integer.toUnsignedLong(vpid));
            out.field("pvpid", Integer.toUnsignedLong(pvpid));
        }
        out.field("res", header.res());
        if (type() == EventType.USERMODEHELPER) {
            out.field("wait", -1);
        }
    }


    /** The same exec seen as a usermode helper (607). */
    public ExecEvent asUsermodeHelper() {
        Header h = header;
        Header helper = new Header(EventType.USERMODEHELPER, h.ts(), h.startTime(), h.cgroupId(), h.pid(), h.tid(), h.ppid(),
                h.pgid(), h.sid(), h.uid(), h.gid(), h.euid(), h.egid(), h.loginuid(), h.sessionid(), h.pns(), h.mntns(),
                h.netns(), h.res(), h.comm());
        return new ExecEvent(helper, pidTree, exe, args, argvTruncated, runPath, stdin, stdout, tty, ldPreload, ssh, filename,
                peer, socketPid, parentKthread, capEffective, capPermitted, env, envTruncated, execFlags, vpid, pvpid);
    }
}
