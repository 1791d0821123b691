package dev.vigil.detect;

import dev.vigil.event.Catalogue;
import dev.vigil.event.EventKind;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code evt.arg.NAME}: a Vigil event's facts under the argument names Falco gives the syscall
 * it stands for (openat's {@code name}/{@code flags}, renameat's {@code oldpath}/{@code newpath},
 * symlinkat's {@code target}/{@code linkpath}, ptrace's {@code request}…). Those Falco renders
 * (flags and modes by name, a request as PTRACE_ATTACH, an address as a tuple) or that depend on
 * the event's fields (a symlink's target) are here; those that read a field as it is are declared
 * with the event type ({@code EventDef.falcoArgs}). Null where the event has no such argument.
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
        Object rendered = switch (ev) {
            case "execve", "call_usermodehelper_exec" -> switch (arg) {
                case "args" -> String.join(" ", Fields.list(e.get("args")));
                case "flags" -> Boolean.TRUE.equals(e.get("exe_deleted")) ? "EXE_WRITABLE|EXE_DELETED" : null;
                default -> null;
            };
            case "chmod" -> arg.equals("mode") && e.get("mode") instanceof Number n ? Falco.mode(n.longValue()) : null;
            case "mkdir" -> arg.equals("mode") && e.get("mode") instanceof Number n ? String.format("0%o", n.longValue() & 07777) : null;
            case "link" -> Falco.symlink(e) ? switch (arg) {
                case "target" -> e.get("old_name");
                case "linkpath", "name", "path" -> e.get("new_name");
                default -> null;
            } : switch (arg) {
                case "oldpath" -> e.get("old_name");
                case "newpath", "name", "path" -> e.get("new_name");
                default -> null;
            };
            case "ptrace" -> arg.equals("request") && e.get("ptrace_request") instanceof Number n ? Falco.ptraceRequest(n.longValue()) : null;
            case "raw_socket" -> switch (arg) {
                case "domain" -> e.get("sa_family") instanceof Number n ? Falco.socketDomain(n.longValue()) : null;
                case "type" -> e.get("socket_type") instanceof Number n ? Falco.socketType(n.longValue()) : null;
                default -> null;
            };
            case "update_cred" -> switch (arg) {
                case "uid", "ruid", "euid", "suid" -> 0L; // the update_cred hook reports requests for root
                default -> null;
            };
            case "bpf_load" -> arg.equals("cmd") ? new Falco.Named(5, "BPF_PROG_LOAD") : null;
            case "namespace" -> arg.equals("flags") || arg.equals("nstype") ? String.join("|", Fields.list(e.get("namespaces"))) : null;
            case "file_capability" -> arg.equals("name") ? "security.capability" : null;
            case "connect", "accept", "bind", "listen", "dns" -> arg.equals("addr") || arg.equals("tuple") ? FdFields.name(e) : null;
            default -> null;
        };
        if (rendered != null) {
            return rendered;
        }
        // the arguments that read one of the event's fields as it is, from its declaration
        EventKind kind = Catalogue.kind(ev);
        String field = kind == null ? null : kind.def().falcoArgs().get(arg);
        return field == null ? null : e.get(field);
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
