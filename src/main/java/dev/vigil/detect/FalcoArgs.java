package dev.vigil.detect;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code evt.arg.NAME}: a Vigil event's facts under the argument names Falco gives the syscall
 * it stands for (openat's {@code name}/{@code flags}, renameat's {@code oldpath}/{@code newpath},
 * symlinkat's {@code target}/{@code linkpath}, ptrace's {@code request}…), rendered as Falco
 * renders them. Null where the event has no such argument.
 */
final class FalcoArgs {
    private FalcoArgs() {}

    private static final List<String> NAMES = List.of("fd", "name", "path", "filename", "flags", "mode", "oldpath",
            "newpath", "target", "linkpath", "request", "pid", "domain", "type", "proto", "uid", "cmd", "nstype", "dev",
            "dir", "sig", "option", "res");

    static Object arg(Map<String, Object> e, String arg) {
        String ev = String.valueOf(e.get("event"));
        if (arg.equals("res") || arg.equals("res_or_fd")) {
            return e.get("res") instanceof Number n ? Falco.result(n.longValue()) : null;
        }
        if (Falco.openLike(e)) {
            return switch (arg) {
                case "name", "path", "filename" -> Fields.fdPath(e);
                // the kernel keeps no O_CREAT in an open file's flags; a created file was opened with it
                case "flags" -> Falco.openFlags((e.get("flags") instanceof Number n ? n.longValue() : "file_read".equals(ev) ? 0 : 1)
                        | ("create_file".equals(ev) ? 0101 : 0), "create_file".equals(ev));
                case "mode" -> e.get("mode") instanceof Number n ? String.format("0%o", n.longValue() & 07777) : null;
                case "fd" -> FdFields.num(e);
                default -> null;
            };
        }
        return switch (ev) {
            case "execve", "call_usermodehelper_exec" -> switch (arg) {
                case "filename", "exe" -> e.get("exe");
                case "args" -> String.join(" ", Fields.list(e.get("args")));
                case "cwd" -> e.get("run_path");
                case "flags" -> Boolean.TRUE.equals(e.get("exe_deleted")) ? "EXE_WRITABLE|EXE_DELETED" : null;
                default -> null;
            };
            case "chmod" -> switch (arg) {
                case "filename", "path", "name" -> e.get("file_path");
                case "mode" -> e.get("mode") instanceof Number n ? Falco.mode(n.longValue()) : null;
                default -> null;
            };
            case "rename" -> switch (arg) {
                case "oldpath" -> e.get("old_name");
                case "newpath", "name", "path" -> e.get("new_name");
                default -> null;
            };
            case "link" -> Falco.symlink(e) ? switch (arg) {
                case "target" -> e.get("old_name");
                case "linkpath", "name", "path" -> e.get("new_name");
                default -> null;
            } : switch (arg) {
                case "oldpath" -> e.get("old_name");
                case "newpath", "name", "path" -> e.get("new_name");
                default -> null;
            };
            case "mkdir" -> switch (arg) {
                case "path", "name" -> e.get("file");
                case "mode" -> e.get("mode") instanceof Number n ? String.format("0%o", n.longValue() & 07777) : null;
                default -> null;
            };
            case "unlink", "rmdir", "watched_change" -> switch (arg) {
                case "path", "name" -> e.get("file");
                case "length" -> e.get("length");
                default -> null;
            };
            case "ptrace" -> switch (arg) {
                case "request" -> e.get("ptrace_request") instanceof Number n ? Falco.ptraceRequest(n.longValue()) : null;
                case "pid" -> e.get("target_pid");
                case "addr" -> e.get("addr");
                case "data" -> e.get("data");
                default -> null;
            };
            case "raw_socket" -> switch (arg) {
                case "domain" -> e.get("sa_family") instanceof Number n ? Falco.socketDomain(n.longValue()) : null;
                case "type" -> e.get("socket_type") instanceof Number n ? Falco.socketType(n.longValue()) : null;
                case "proto" -> e.get("socket_protocol");
                default -> null;
            };
            case "update_cred" -> switch (arg) {
                case "uid", "ruid", "euid", "suid" -> 0L; // the update_cred hook reports requests for root
                default -> null;
            };
            case "bpf_load" -> arg.equals("cmd") ? new Falco.Named(5, "BPF_PROG_LOAD") : null;
            case "namespace" -> switch (arg) {
                case "flags", "nstype" -> String.join("|", Fields.list(e.get("namespaces")));
                case "fd" -> e.get("file");
                default -> null;
            };
            case "mount" -> switch (arg) {
                case "dev" -> e.get("dev");
                case "dir", "path" -> e.get("file_path");
                case "type" -> e.get("fstype");
                case "flags" -> e.get("flags");
                default -> null;
            };
            case "memfd_create" -> switch (arg) {
                case "name" -> e.get("fdname");
                case "flags" -> e.get("flags");
                default -> null;
            };
            case "load_module" -> arg.equals("name") || arg.equals("path") ? e.get("ko_file") : null;
            case "kill", "tkill", "tgkill" -> switch (arg) {
                case "pid", "tid" -> e.get("target_pid");
                case "sig" -> e.get("sig");
                default -> null;
            };
            case "prctl" -> arg.equals("option") ? e.get("option") : arg.equals("arg2_str") ? e.get("new_name") : null;
            case "file_capability" -> arg.equals("path") ? e.get("file_path") : arg.equals("name") ? "security.capability" : null;
            case "userfaultfd" -> arg.equals("flags") ? e.get("flags") : null;
            case "connect", "accept", "bind", "listen", "dns" -> switch (arg) {
                case "fd" -> e.get("fd");
                case "addr", "tuple" -> FdFields.name(e);
                default -> null;
            };
            default -> null;
        };
    }

    /** Falco's evt.args: every argument the event has, "name=value" separated by spaces. */
    static Object all(Map<String, Object> e) {
        List<String> out = new ArrayList<>();
        for (String n : NAMES) {
            Object v = arg(e, n);
            if (v != null && !"".equals(v)) {
                out.add(n + "=" + ConditionParser.str(v));
            }
        }
        return String.join(" ", out);
    }
}
