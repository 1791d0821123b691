package dev.vigil.sensor;

import dev.vigil.event.CredEvent;
import dev.vigil.event.DnsEvent;
import dev.vigil.event.Endpoints;
import dev.vigil.event.Event;
import dev.vigil.event.EventType;
import dev.vigil.event.ExecEvent;
import dev.vigil.event.FileEvent;
import dev.vigil.event.Header;
import dev.vigil.event.PidTree;
import dev.vigil.event.NetEvent;
import dev.vigil.event.ScanEvent;
import dev.vigil.event.TaskEvent;
import dev.vigil.event.Text;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/** Turns one ring-buffer record into an {@link Event}. Every length and offset is checked against the record. */
public final class RecordDecoder {
    private static final long H = 0;

    /** Decodes `rec`; throws when the record is truncated, oversized, of unknown type or points outside itself. */
    public Event decode(MemorySegment rec) throws MalformedRecordException {
        if (rec.byteSize() < Wire.HEADER.byteSize()) {
            throw new MalformedRecordException("record of " + rec.byteSize() + " bytes is shorter than the header");
        }
        int number = rec.get(JAVA_INT_UNALIGNED, 0);
        EventType type = EventType.ofNumber(number);
        if (type == null) {
            throw new MalformedRecordException("unknown event type " + number);
        }
        long size = Integer.toUnsignedLong(rec.get(JAVA_INT_UNALIGNED, 4));
        if (size != rec.byteSize()) {
            throw new MalformedRecordException(type.eventName() + ": header says " + size + " bytes, record has " + rec.byteSize());
        }
        Header h = header(rec, H, type);
        return switch (type.def().record()) {
            case "exec_event" -> exec(rec, h);
            case "net_event" -> {
                need(rec, Wire.NET, type);
                yield new NetEvent(h, endpoints(rec, off(Wire.NET, "addr")), rec.get(JAVA_INT_UNALIGNED, off(Wire.NET, "fd")));
            }
            case "dns_event" -> dns(rec, h);
            case "file_event" -> {
                need(rec, Wire.FILE, type);
                yield new FileEvent(h, pidTree(rec, off(Wire.FILE, "tree")),
                        str(rec, Wire.FILE, "path"), str(rec, Wire.FILE, "path2"), str(rec, Wire.FILE, "sb_id"),
                        str(rec, Wire.FILE, "extra"),
                        rec.get(JAVA_LONG_UNALIGNED, off(Wire.FILE, "flags")), rec.get(JAVA_LONG_UNALIGNED, off(Wire.FILE, "ino")),
                        rec.get(JAVA_INT_UNALIGNED, off(Wire.FILE, "mode")), rec.get(JAVA_INT_UNALIGNED, off(Wire.FILE, "fd")),
                        rec.get(JAVA_LONG_UNALIGNED, off(Wire.FILE, "dir_ino")), rec.get(JAVA_LONG_UNALIGNED, off(Wire.FILE, "dev")), "");
            }
            case "task_event" -> {
                need(rec, Wire.TASK, type);
                yield TaskEvent.of(h, pidTree(rec, off(Wire.TASK, "tree")),
                        rec.get(JAVA_LONG_UNALIGNED, off(Wire.TASK, "arg0")), rec.get(JAVA_LONG_UNALIGNED, off(Wire.TASK, "arg1")),
                        rec.get(JAVA_LONG_UNALIGNED, off(Wire.TASK, "arg2")), rec.get(JAVA_LONG_UNALIGNED, off(Wire.TASK, "arg3")),
                        str(rec, Wire.TASK, "text"));
            }
            case "cred_event" -> {
                need(rec, Wire.CRED, type);
                yield new CredEvent(h, pidTree(rec, off(Wire.CRED, "tree")), rec.get(JAVA_INT_UNALIGNED, off(Wire.CRED, "p_pid")),
                        creds(rec, off(Wire.CRED, "p_cred")), creds(rec, off(Wire.CRED, "c_cred")));
            }
            case "scan_event" -> {
                need(rec, Wire.SCAN, type);
                yield new ScanEvent(h, endpoints(rec, off(Wire.SCAN, "addr")), rec.get(JAVA_INT_UNALIGNED, off(Wire.SCAN, "ports")),
                        rec.get(JAVA_INT_UNALIGNED, off(Wire.SCAN, "window_ms")));
            }
            default -> throw new MalformedRecordException(type.eventName() + " is never sent by the kernel");
        };
    }

    /** The exec record's members, resolved once: the exec is the hot record (one per program started). */
    private static final StructLayout EXEC = Wire.EXEC;
    private static final long X_PEER = off(EXEC, "peer"), X_ARGV = off(EXEC, "argv"), X_ENV = off(EXEC, "env"),
            X_ENV_CUT = off(EXEC, "env_truncated"), X_LD_PRELOAD = off(EXEC, "ld_preload"), X_SSH = off(EXEC, "ssh"),
            X_TREE = off(EXEC, "tree"), X_EXE = off(EXEC, "exe"), X_ARGV_CUT = off(EXEC, "argv_truncated"),
            X_RUN_PATH = off(EXEC, "run_path"), X_STDIN_INFO = off(EXEC, "stdin_info"), X_STDIN_PATH = off(EXEC, "stdin_path"),
            X_STDOUT_INFO = off(EXEC, "stdout_info"), X_STDOUT_PATH = off(EXEC, "stdout_path"), X_TTY = off(EXEC, "tty"),
            X_FILENAME = off(EXEC, "filename"), X_SOCKET_PID = off(EXEC, "socket_pid"), X_PARENT_KTHREAD = off(EXEC, "parent_kthread"),
            X_CAP_EFFECTIVE = off(EXEC, "cap_effective"), X_CAP_PERMITTED = off(EXEC, "cap_permitted"),
            X_EXEC_FLAGS = off(EXEC, "exec_flags"), X_VPID = off(EXEC, "vpid"), X_PVPID = off(EXEC, "pvpid");

    private static ExecEvent exec(MemorySegment rec, Header h) throws MalformedRecordException {
        need(rec, EXEC, h.type());
        List<String> args = splitArgs(bytes(rec, EXEC, X_ARGV, "argv"));
        List<String> env = environment(bytes(rec, EXEC, X_ENV, "env"));
        boolean envCut = rec.get(JAVA_BYTE, X_ENV_CUT) != 0;
        // the kernel searches for these only when the environment was cut; otherwise they are in it
        String ldPreload = envCut ? str(rec, EXEC, X_LD_PRELOAD, "ld_preload") : lastValue(env, "LD_PRELOAD=");
        String ssh = envCut ? str(rec, EXEC, X_SSH, "ssh") : lastValue(env, "SSH_CONNECTION=");
        return new ExecEvent(h, pidTree(rec, X_TREE), str(rec, EXEC, X_EXE, "exe"), args,
                rec.get(JAVA_BYTE, X_ARGV_CUT) != 0, str(rec, EXEC, X_RUN_PATH, "run_path"),
                fdName(rec, X_STDIN_INFO, str(rec, EXEC, X_STDIN_PATH, "stdin_path")),
                fdName(rec, X_STDOUT_INFO, str(rec, EXEC, X_STDOUT_PATH, "stdout_path")),
                str(rec, EXEC, X_TTY, "tty"), ldPreload, ssh, str(rec, EXEC, X_FILENAME, "filename"),
                endpoints(rec, X_PEER), rec.get(JAVA_INT_UNALIGNED, X_SOCKET_PID),
                rec.get(JAVA_BYTE, X_PARENT_KTHREAD) != 0,
                rec.get(JAVA_LONG_UNALIGNED, X_CAP_EFFECTIVE), rec.get(JAVA_LONG_UNALIGNED, X_CAP_PERMITTED),
                env, envCut, rec.get(JAVA_INT_UNALIGNED, X_EXEC_FLAGS),
                rec.get(JAVA_INT_UNALIGNED, X_VPID), rec.get(JAVA_INT_UNALIGNED, X_PVPID));
    }

    /** An environment's bytes and what they decoded to. */
    private record Environment(byte[] bytes, List<String> env) {}

    private static volatile Environment lastEnvironment = new Environment(new byte[0], List.of());

    /**
     * The environment, decoded; the same list as the previous exec's when the bytes are the same.
     * A build's or a script's execs mostly inherit one environment: one comparison of its bytes
     * instead of decoding it again, and the store and the rules meet one list they have seen.
     * Copied first: comparing in the record (MemorySegment.mismatch) measured slower under C1
     * (decode 3.3 - 5.3 us per exec against 2.2, vigil bench --engine-only).
     */
    private static List<String> environment(byte[] bytes) {
        Environment last = lastEnvironment;
        if (Arrays.equals(last.bytes, bytes)) {
            return last.env;
        }
        List<String> env = splitArgs(bytes);
        lastEnvironment = new Environment(bytes, env);
        return env;
    }

    /** The value of the last `NAME=` entry, as the kernel's search found it; "" when there is none. */
    private static String lastValue(List<String> env, String prefix) {
        String found = "";
        for (String v : env) {
            if (v.startsWith(prefix)) {
                found = v.substring(prefix.length());
            }
        }
        return found;
    }

    private static DnsEvent dns(MemorySegment rec, Header h) throws MalformedRecordException {
        need(rec, Wire.DNS, h.type());
        byte[] payload = bytes(rec, Wire.DNS, "payload");
        DnsMessage m = DnsMessage.parse(payload);
        return new DnsEvent(h, endpoints(rec, off(Wire.DNS, "addr")), m.query(), m.qtype(), m.opcode(), m.rcode(), m.answers(),
                m.response());
    }

    static List<String> splitArgs(byte[] argv) {
        List<String> args = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < argv.length; i++) {
            if (argv[i] == 0) {
                args.add(Text.decode(argv, start, i - start));
                start = i + 1;
            }
        }
        if (start < argv.length) {
            args.add(Text.decode(argv, start, argv.length - start));
        }
        return List.copyOf(args);
    }

    /** The header's members, resolved once: every event reads all of them. */
    private static final long TS = off(Wire.HEADER, "ts"), START_TIME = off(Wire.HEADER, "start_time"),
            CGROUP_ID = off(Wire.HEADER, "cgroup_id"), COMM = off(Wire.HEADER, "comm"), PID = off(Wire.HEADER, "pid"),
            TID = off(Wire.HEADER, "tid"), PPID = off(Wire.HEADER, "ppid"), PGID = off(Wire.HEADER, "pgid"), SID = off(Wire.HEADER, "sid"),
            UID = off(Wire.HEADER, "uid"), GID = off(Wire.HEADER, "gid"), EUID = off(Wire.HEADER, "euid"), EGID = off(Wire.HEADER, "egid"),
            LOGINUID = off(Wire.HEADER, "loginuid"), SESSIONID = off(Wire.HEADER, "sessionid"), PNS = off(Wire.HEADER, "pns"),
            MNTNS = off(Wire.HEADER, "mntns"), NETNS = off(Wire.HEADER, "netns"), RES = off(Wire.HEADER, "res");

    private static Header header(MemorySegment rec, long base, EventType type) {
        return new Header(type,
                rec.get(JAVA_LONG_UNALIGNED, base + TS), rec.get(JAVA_LONG_UNALIGNED, base + START_TIME),
                rec.get(JAVA_LONG_UNALIGNED, base + CGROUP_ID),
                i(rec, base + PID), i(rec, base + TID), i(rec, base + PPID), i(rec, base + PGID), i(rec, base + SID),
                i(rec, base + UID), i(rec, base + GID), i(rec, base + EUID), i(rec, base + EGID),
                i(rec, base + LOGINUID), i(rec, base + SESSIONID), i(rec, base + PNS), i(rec, base + MNTNS),
                i(rec, base + NETNS), i(rec, base + RES), comm(rec, base + COMM));
    }

    private static int i(MemorySegment rec, long at) {
        return rec.get(JAVA_INT_UNALIGNED, at);
    }

    private static final long ANCESTOR_SIZE = Wire.ANCESTOR.byteSize(), FIRST_NODE = off(Wire.PID_TREE, "node"),
            NODE_START = off(Wire.ANCESTOR, "start"), NODE_COMM = off(Wire.ANCESTOR, "comm");

    /** The ancestry the kernel walked, nearest first. */
    static PidTree pidTree(MemorySegment rec, long base) {
        int depth = Math.min(rec.get(JAVA_INT_UNALIGNED, base), Wire.TREE_DEPTH);
        if (depth <= 0) {
            return PidTree.EMPTY;
        }
        List<PidTree.Node> nodes = new ArrayList<>(depth);
        long first = base + FIRST_NODE;
        for (int k = 0; k < depth; k++) {
            long n = first + k * ANCESTOR_SIZE;
            nodes.add(new PidTree.Node(Integer.toUnsignedLong(rec.get(JAVA_INT_UNALIGNED, n)),
                    rec.get(JAVA_LONG_UNALIGNED, n + NODE_START), comm(rec, n + NODE_COMM)));
        }
        return new PidTree(nodes);
    }

    private static String creds(MemorySegment rec, long base) {
        StructLayout L = Wire.CRED_IDS;
        String[] order = {"uid", "euid", "suid", "fsuid", "gid", "egid", "sgid", "fsgid"};
        StringBuilder sb = new StringBuilder();
        for (String f : order) {
            if (!sb.isEmpty()) {
                sb.append('|');
            }
            sb.append(Integer.toUnsignedLong(rec.get(JAVA_INT_UNALIGNED, base + off(L, f))));
        }
        return sb.toString();
    }

    static Endpoints endpoints(MemorySegment rec, long base) {
        StructLayout L = Wire.INET_PAIR;
        int family = Short.toUnsignedInt(rec.get(JAVA_SHORT_UNALIGNED, base + off(L, "family")));
        if (family != 2 && family != 10) {
            return Endpoints.NONE;
        }
        return new Endpoints(family,
                ip(rec, base + off(L, "sip"), family), Short.toUnsignedInt(rec.get(JAVA_SHORT_UNALIGNED, base + off(L, "sport"))),
                ip(rec, base + off(L, "dip"), family), Short.toUnsignedInt(rec.get(JAVA_SHORT_UNALIGNED, base + off(L, "dport"))),
                Short.toUnsignedInt(rec.get(JAVA_SHORT_UNALIGNED, base + off(L, "protocol"))));
    }

    static String ip(MemorySegment rec, long at, int family) {
        if (family == 2) {
            return (rec.get(JAVA_BYTE, at) & 0xff) + "." + (rec.get(JAVA_BYTE, at + 1) & 0xff) + "."
                    + (rec.get(JAVA_BYTE, at + 2) & 0xff) + "." + (rec.get(JAVA_BYTE, at + 3) & 0xff);
        }
        byte[] b = new byte[16];
        MemorySegment.copy(rec, JAVA_BYTE, at, b, 0, 16);
        try {
            String s = java.net.InetAddress.getByAddress(b).getHostAddress();
            return compressV6(s);
        } catch (java.net.UnknownHostException e) {
            return "";
        }
    }

    /** Java prints "0:0:0:0:0:0:0:1"; people expect "::1". */
    static String compressV6(String full) {
        if (full.indexOf(':') < 0) {
            return full;
        }
        String[] parts = full.split(":");
        int bestStart = -1, bestLen = 0;
        for (int k = 0; k < parts.length; ) {
            if (parts[k].equals("0")) {
                int j = k;
                while (j < parts.length && parts[j].equals("0")) {
                    j++;
                }
                if (j - k > bestLen && j - k > 1) {
                    bestStart = k;
                    bestLen = j - k;
                }
                k = j;
            } else {
                k++;
            }
        }
        if (bestStart < 0) {
            return full;
        }
        String left = String.join(":", java.util.Arrays.copyOfRange(parts, 0, bestStart));
        String right = String.join(":", java.util.Arrays.copyOfRange(parts, bestStart + bestLen, parts.length));
        return left + "::" + right;
    }

    private static String fdName(MemorySegment rec, long base, String path) {
        int kind = rec.get(JAVA_INT_UNALIGNED, base + off(Wire.FD_INFO, "kind"));
        long ino = rec.get(JAVA_LONG_UNALIGNED, base + off(Wire.FD_INFO, "ino"));
        return switch (kind) {
            case 0 -> "";
            case 2 -> "pipe:[" + ino + "]";
            case 3 -> "socket:[" + ino + "]";
            default -> path.isEmpty() ? "anon_inode:[" + ino + "]" : path;
        };
    }

    private static void need(MemorySegment rec, StructLayout layout, EventType type) throws MalformedRecordException {
        if (rec.byteSize() < layout.byteSize()) {
            throw new MalformedRecordException(type.eventName() + ": record of " + rec.byteSize() + " bytes, "
                    + layout.name().orElse("") + " needs " + layout.byteSize());
        }
    }

    private static String str(MemorySegment rec, StructLayout layout, String field) throws MalformedRecordException {
        return str(rec, layout, off(layout, field), field);
    }

    private static String str(MemorySegment rec, StructLayout layout, long at, String field) throws MalformedRecordException {
        byte[] b = bytes(rec, layout, at, field);
        return Text.decode(b, 0, b.length);
    }

    private static byte[] bytes(MemorySegment rec, StructLayout layout, String field) throws MalformedRecordException {
        return bytes(rec, layout, off(layout, field), field);
    }

    /** The bytes of a variable-length member: its (offset, length) descriptor at `at`, checked against the record. */
    private static byte[] bytes(MemorySegment rec, StructLayout layout, long at, String field) throws MalformedRecordException {
        int o = Short.toUnsignedInt(rec.get(JAVA_SHORT_UNALIGNED, at));
        int len = Short.toUnsignedInt(rec.get(JAVA_SHORT_UNALIGNED, at + 2));
        if (len == 0) {
            return new byte[0];
        }
        if (o < layout.byteSize() || (long) o + len > rec.byteSize()) {
            throw new MalformedRecordException(layout.name().orElse("") + "." + field + ": [" + o + ", +" + len
                    + ") lies outside the record of " + rec.byteSize() + " bytes");
        }
        byte[] b = new byte[len];
        MemorySegment.copy(rec, JAVA_BYTE, o, b, 0, len);
        return b;
    }

    /** A comm decoded before: its 16 bytes (those after its end zeroed) as two little-endian words, and its text. */
    private record Comm(long low, long high, String text) {}

    private static final int COMMS = 512;
    private static final long ONES = 0x0101010101010101L, HIGHS = 0x8080808080808080L;
    /**
     * Comms met lately, by a hash of their bytes. Every record carries its process's comm and an
     * exec its ancestors' (up to twelve), and they repeat (make, sh, cc, bash, sshd): read as two words
     * and found here, a comm costs neither a byte-by-byte read of the record nor a new string.
     * Filled by whichever thread decodes (the warm-up's, the sensor's): each slot holds an
     * immutable entry, so a race only replaces one entry with another.
     */
    private static final Comm[] comms = new Comm[COMMS];

    /** A task's comm (up to 16 bytes, ended by a zero byte unless all 16 are used). */
    private static String comm(MemorySegment rec, long at) {
        long low = rec.get(JAVA_LONG_UNALIGNED, at), high = rec.get(JAVA_LONG_UNALIGNED, at + 8);
        int length = firstZeroByte(low);
        if (length < 8) {
            low &= (1L << (length * 8)) - 1;
            high = 0;
        } else {
            length = 8 + firstZeroByte(high);
            if (length < 16) {
                high &= (1L << ((length - 8) * 8)) - 1;
            }
        }
        int slot = (int) ((low * 0x9E3779B97F4A7C15L ^ high * 0xC2B2AE3D27D4EB4FL) >>> 55) & (COMMS - 1);
        Comm known = comms[slot];
        if (known != null && known.low == low && known.high == high) {
            return known.text;
        }
        byte[] b = new byte[length];
        for (int k = 0; k < length; k++) {
            b[k] = (byte) ((k < 8 ? low : high) >>> ((k & 7) * 8));
        }
        String text = Text.decode(b, 0, length);
        comms[slot] = new Comm(low, high, text);
        return text;
    }

    /** The index of the first zero byte of a little-endian word, 8 when it has none. */
    private static int firstZeroByte(long word) {
        long zeros = (word - ONES) & ~word & HIGHS; // the lowest flag marks the first zero byte exactly
        return zeros == 0 ? 8 : Long.numberOfTrailingZeros(zeros) >>> 3;
    }

    private static long off(StructLayout layout, String field) {
        return Offsets.of(layout, field);
    }
}
