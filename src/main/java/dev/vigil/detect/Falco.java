package dev.vigil.detect;

import dev.vigil.event.Catalogue;
import dev.vigil.event.EventKind;
import dev.vigil.event.EventType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How Falco's names see Vigil's events. A Vigil event is one whole operation (a syscall's entry
 * and exit, or the non-syscall tracepoint that covers every route to it), named after what it
 * means: {@code file_write} is "an open for writing of a watched file". Falco names the syscall
 * instead. This class gives each event the syscall names it stands for, its arguments under
 * Falco's argument names and renderings ({@code O_WRONLY|O_TRUNC}, {@code S_ISUID},
 * {@code PTRACE_ATTACH}, {@code ENOENT}), so that a Falco rule means in Vigil what it means in
 * Falco.
 */
final class Falco {
    private Falco() {}

    /** A value compared by meaning: equal to a literal that names it or is its number. */
    sealed interface Value permits Named, Types, Address, Direction {
        boolean is(String literal, Long number);
    }

    /**
     * A number with a name, such as a result (0 / "SUCCESS", -2 / "ENOENT") or a request
     * (16 / "PTRACE_ATTACH"): equal to either; ordered and printed by the number where there is no name.
     */
    record Named(long number, String name) implements Value {
        @Override
        public boolean is(String literal, Long n) {
            return n != null ? n == number : literal.equals(name);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** The event's own name and the Falco event types it stands for: {@code evt.type = openat} holds for a file_write. */
    record Types(String own, Set<String> falco) implements Value {
        @Override
        public boolean is(String literal, Long n) {
            // Vigil's own name counts unless it is also a syscall this event is not (a symlink is no 'link')
            return falco.contains(literal) || own.equals(literal) && !SYSCALLS.contains(own);
        }

        boolean anyIn(Set<String> names) {
            for (String f : falco) {
                if (names.contains(f)) {
                    return true;
                }
            }
            return names.contains(own) && !SYSCALLS.contains(own);
        }

        @Override
        public String toString() {
            return own;
        }
    }

    /** An IP address, equal to itself or to a CIDR network that holds it ({@code fd.net = "127.0.0.0/8"}). */
    record Address(String ip) implements Value {
        @Override
        public boolean is(String literal, Long n) {
            return literal.indexOf('/') >= 0 ? Cidr.contains(literal, ip) : literal.equals(ip);
        }

        @Override
        public String toString() {
            return ip;
        }
    }

    /** Vigil reports each operation once, with its result: it is both Falco's enter (>) and exit (<) event. */
    enum Direction implements Value {
        BOTH;

        @Override
        public boolean is(String literal, Long n) {
            return literal.equals(">") || literal.equals("<");
        }

        @Override
        public String toString() {
            return "<";
        }
    }

    /** Several values of which any may match, as Falco's {@code proc.aname} (any ancestor) and {@code fd.ip} (either end). */
    record AnyOf(List<?> values) {
        @Override
        public String toString() {
            return ConditionParser.str(values);
        }
    }

    /** Every Falco event type some Vigil event stands for (see {@link #types}). */
    static final Set<String> SYSCALLS = Catalogue.falcoTypes();

    private static final Set<String> OPEN = EventType.OPEN.def().falcoTypes();

    /**
     * The Falco event types this event stands for, besides its own name: its declaration's, except
     * where the event's fields say which of them it is (a symlink, a reply, an unlink of a watched file).
     */
    static Set<String> types(Map<String, Object> e) {
        if (!(e.get("event") instanceof String s)) {
            return Set.of();
        }
        return switch (s) {
            case "process_memory" -> e.get("file") instanceof String f && !f.isEmpty() ? OPEN
                    : Boolean.TRUE.equals(e.get("write")) ? Set.of("process_vm_writev") : Set.of("process_vm_readv");
            case "link" -> symlink(e) ? Set.of("symlink", "symlinkat") : Set.of("link", "linkat");
            case "watched_change" -> switch (String.valueOf(e.get("action"))) {
                case "unlink" -> Set.of("unlink", "unlinkat");
                case "rmdir" -> Set.of("rmdir", "unlinkat");
                case "truncate" -> Set.of("truncate", "ftruncate");
                default -> Set.of(); // a rename or a link: the rename or link event itself stands for Falco's calls
            };
            case "dns" -> Boolean.TRUE.equals(e.get("response")) ? Set.of("recvfrom", "recvmsg", "recvmmsg")
                    : Set.of("sendto", "sendmsg", "sendmmsg");
            case "namespace" -> e.get("action") instanceof String a ? Set.of(a) : Set.of();
            default -> possibleTypes(s);
        };
    }

    /** Every Falco type an event of this name can stand for, whatever its other fields (for the kernel's filters). */
    static Set<String> possibleTypes(String eventName) {
        EventKind kind = Catalogue.kind(eventName);
        return kind == null ? Set.of() : kind.def().falcoTypes();
    }

    static boolean symlink(Map<String, Object> e) {
        return "link".equals(e.get("event"))
                && (Boolean.TRUE.equals(e.get("symlink")) || e.get("flags") instanceof Number n && n.longValue() == 1);
    }

    /** The events that are an open to Falco, decided on the name without building the type set (it runs per event). */
    private static final Set<String> OPEN_EVENTS = Catalogue.kinds().stream().filter(k -> k.def().falcoTypes().equals(OPEN))
            .map(EventKind::eventName).collect(java.util.stream.Collectors.toUnmodifiableSet());

    static boolean openLike(Map<String, Object> e) {
        if (!(e.get("event") instanceof String name)) {
            return false;
        }
        return OPEN_EVENTS.contains(name) || name.equals("process_memory") && e.get("file") instanceof String f && !f.isEmpty();
    }

    /** Open flags as Falco prints them: O_RDONLY, O_WRONLY|O_CREAT|O_TRUNC… (O_F_CREATED when the open made the file). */
    static String openFlags(long flags, boolean created) {
        StringBuilder sb = new StringBuilder(switch ((int) (flags & 3)) {
            case 0 -> "O_RDONLY";
            case 1 -> "O_WRONLY";
            default -> "O_RDWR";
        });
        long[] bits = {0100, 0200, 0400, 01000, 02000, 04000, 010000, 020000, 040000, 0100000, 0200000, 0400000, 01000000,
                02000000, 04000000, 010000000, 020000000};
        String[] names = {"O_CREAT", "O_EXCL", "O_NOCTTY", "O_TRUNC", "O_APPEND", "O_NONBLOCK", "O_DSYNC", "O_ASYNC",
                "O_DIRECT", "O_LARGEFILE", "O_DIRECTORY", "O_NOFOLLOW", "O_NOATIME", "O_CLOEXEC", "O_SYNC", "O_PATH", "O_TMPFILE"};
        for (int i = 0; i < bits.length; i++) {
            if ((flags & bits[i]) != 0) {
                sb.append('|').append(names[i]);
            }
        }
        if (created) {
            sb.append("|O_F_CREATED");
        }
        return sb.toString();
    }

    /** A file mode as Falco prints chmod's: S_IRUSR|S_IWUSR|…|S_ISUID. */
    static String mode(long mode) {
        long[] bits = {01, 02, 04, 010, 020, 040, 0100, 0200, 0400, 01000, 02000, 04000};
        String[] names = {"S_IXOTH", "S_IWOTH", "S_IROTH", "S_IXGRP", "S_IWGRP", "S_IRGRP", "S_IXUSR", "S_IWUSR", "S_IRUSR",
                "S_ISVTX", "S_ISGID", "S_ISUID"};
        List<String> out = new ArrayList<>();
        for (int i = 0; i < bits.length; i++) {
            if ((mode & bits[i]) != 0) {
                out.add(names[i]);
            }
        }
        return String.join("|", out);
    }

    static Named ptraceRequest(long request) {
        String name = switch ((int) request) {
            case 0 -> "PTRACE_TRACEME";
            case 1 -> "PTRACE_PEEKTEXT";
            case 2 -> "PTRACE_PEEKDATA";
            case 3 -> "PTRACE_PEEKUSR";
            case 4 -> "PTRACE_POKETEXT";
            case 5 -> "PTRACE_POKEDATA";
            case 6 -> "PTRACE_POKEUSR";
            case 7 -> "PTRACE_CONT";
            case 8 -> "PTRACE_KILL";
            case 9 -> "PTRACE_SINGLESTEP";
            case 12 -> "PTRACE_GETREGS";
            case 13 -> "PTRACE_SETREGS";
            case 16 -> "PTRACE_ATTACH";
            case 17 -> "PTRACE_DETACH";
            case 24 -> "PTRACE_SYSCALL";
            case 0x4200 -> "PTRACE_SETOPTIONS";
            case 0x4204 -> "PTRACE_GETREGSET";
            case 0x4205 -> "PTRACE_SETREGSET";
            case 0x4206 -> "PTRACE_SEIZE";
            case 0x4207 -> "PTRACE_INTERRUPT";
            default -> String.valueOf(request);
        };
        return new Named(request, name);
    }

    static Named socketDomain(long family) {
        return new Named(family, switch ((int) family) {
            case 1 -> "AF_UNIX";
            case 2 -> "AF_INET";
            case 10 -> "AF_INET6";
            case 16 -> "AF_NETLINK";
            case 17 -> "AF_PACKET";
            default -> String.valueOf(family);
        });
    }

    static Named socketType(long type) {
        return new Named(type, switch ((int) type) {
            case 1 -> "SOCK_STREAM";
            case 2 -> "SOCK_DGRAM";
            case 3 -> "SOCK_RAW";
            case 5 -> "SOCK_SEQPACKET";
            case 10 -> "SOCK_PACKET";
            default -> String.valueOf(type);
        });
    }

    /** A syscall result: 0 or more is SUCCESS, a negative one the errno's name. */
    static Named result(long res) {
        return new Named(res, res >= 0 ? "SUCCESS" : errno(-res));
    }

    private static final String[] ERRNO = {"", "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC",
            "EBADF", "ECHILD", "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV", "ENODEV",
            "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC", "ESPIPE", "EROFS",
            "EMLINK", "EPIPE", "EDOM", "ERANGE", "EDEADLK", "ENAMETOOLONG", "ENOLCK", "ENOSYS", "ENOTEMPTY", "ELOOP"};

    static String errno(long e) {
        if (e > 0 && e < ERRNO.length) {
            return ERRNO[(int) e];
        }
        return switch ((int) e) {
            case 61 -> "ENODATA";
            case 75 -> "EOVERFLOW";
            case 88 -> "ENOTSOCK";
            case 93 -> "EPROTONOSUPPORT";
            case 95 -> "EOPNOTSUPP";
            case 97 -> "EAFNOSUPPORT";
            case 98 -> "EADDRINUSE";
            case 99 -> "EADDRNOTAVAIL";
            case 101 -> "ENETUNREACH";
            case 103 -> "ECONNABORTED";
            case 104 -> "ECONNRESET";
            case 106 -> "EISCONN";
            case 107 -> "ENOTCONN";
            case 110 -> "ETIMEDOUT";
            case 111 -> "ECONNREFUSED";
            case 113 -> "EHOSTUNREACH";
            case 114 -> "EALREADY";
            case 115 -> "EINPROGRESS";
            case 125 -> "ECANCELED";
            default -> "E" + e;
        };
    }

    /** Falco's proc.tty: the terminal's device number (0: none), from its name (pts3, tty1, ttyS0). */
    static long ttyNumber(String name) {
        if (name == null || name.isEmpty()) {
            return 0;
        }
        int major, minor;
        try {
            if (name.startsWith("pts")) {
                major = 136;
                minor = Integer.parseInt(name.substring(3).replace("/", ""));
            } else if (name.startsWith("ttyS")) {
                major = 4;
                minor = 64 + Integer.parseInt(name.substring(4));
            } else if (name.startsWith("tty")) {
                major = name.length() == 3 ? 5 : 4;
                minor = name.length() == 3 ? 0 : Integer.parseInt(name.substring(3));
            } else {
                return 1;
            }
        } catch (NumberFormatException other) {
            return 1;
        }
        return (minor & 0xffL) | ((long) major << 8) | ((long) (minor & ~0xff) << 12);
    }
}
