package dev.vigil.sensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Records laid out as the kernel sends them, made in userspace from the same {@link Wire}
 * layouts: for the agent's warm-up of its event path before it says ready, and for the
 * decoder's tests.
 */
public final class SampleRecords {
    private SampleRecords() {}

    /** What an exec record says: the process (its parent is `parentComm`, pid 1), the program and its context. */
    public record Exec(int pid, long startTime, String comm, String exe, List<String> argv, List<String> env, String cwd, String parentComm) {}

    /** `x` as an exec_event record allocated in `arena`. */
    public static MemorySegment exec(Arena arena, Exec x) {
        Map<String, byte[]> strings = new LinkedHashMap<>();
        strings.put("exe", utf8(x.exe()));
        strings.put("argv", nulJoined(x.argv()));
        strings.put("env", nulJoined(x.env()));
        strings.put("run_path", utf8(x.cwd()));
        strings.put("filename", utf8(x.exe()));
        return withStrings(arena, Wire.EXEC, strings, 59, x.pid(), x.startTime(), x.comm(), x.parentComm());
    }

    /** `exec` (an exec_event record) with its ancestry replaced by `nodes`, nearest first (the process itself first). */
    public static MemorySegment withAncestry(MemorySegment exec, List<dev.vigil.event.PidTree.Node> nodes) {
        long tree = Offsets.of(Wire.EXEC, "tree"), node = tree + Offsets.of(Wire.PID_TREE, "node");
        int depth = Math.min(nodes.size(), Wire.TREE_DEPTH);
        exec.set(JAVA_INT, tree, depth);
        for (int i = 0; i < depth; i++) {
            long at = node + i * Wire.ANCESTOR.byteSize();
            exec.set(JAVA_INT, at, (int) nodes.get(i).pid());
            exec.set(JAVA_LONG, at + Offsets.of(Wire.ANCESTOR, "start"), nodes.get(i).start());
            exec.asSlice(at + Offsets.of(Wire.ANCESTOR, "comm"), Wire.COMM_LEN).fill((byte) 0);
            comm(exec, at + Offsets.of(Wire.ANCESTOR, "comm"), nodes.get(i).comm());
        }
        return exec;
    }

    /**
     * A file_event record of `type` (create_file 602, chmod 90, unlink 605…): process `pid` (child of
     * pid 1, `parentComm`) acted on `path` with `flags` (an open's) and `mode`.
     */
    public static MemorySegment file(Arena arena, int type, int pid, long startTime, String comm, String parentComm, String path,
            long flags, int mode) {
        MemorySegment rec = withStrings(arena, Wire.FILE, Map.of("path", utf8(path)), type, pid, startTime, comm, parentComm);
        rec.set(JAVA_LONG, Offsets.of(Wire.FILE, "flags"), flags);
        rec.set(JAVA_INT, Offsets.of(Wire.FILE, "mode"), mode);
        return rec;
    }

    /**
     * A record of `layout` (one with a `tree`): its header, two levels of ancestry, and `strings` (by
     * member name) after the fixed part, each member pointing at its own.
     */
    private static MemorySegment withStrings(Arena arena, java.lang.foreign.StructLayout layout, Map<String, byte[]> strings, int type,
            int pid, long startTime, String comm, String parentComm) {
        long fixed = layout.byteSize();
        long size = fixed + strings.values().stream().mapToLong(b -> b.length).sum();
        MemorySegment rec = header(arena, size, type, pid, 1, startTime, comm);
        long at = fixed;
        for (var s : strings.entrySet()) {
            long ref = Offsets.of(layout, s.getKey());
            rec.set(JAVA_SHORT, ref, (short) at);
            rec.set(JAVA_SHORT, ref + 2, (short) s.getValue().length);
            MemorySegment.copy(s.getValue(), 0, rec, JAVA_BYTE, at, s.getValue().length);
            at += s.getValue().length;
        }
        tree(rec, Offsets.of(layout, "tree"), pid, startTime, comm, parentComm);
        return rec;
    }

    /** Two levels of ancestry at `tree`: the process, and its parent pid 1. */
    private static void tree(MemorySegment rec, long tree, int pid, long startTime, String comm, String parentComm) {
        rec.set(JAVA_INT, tree, 2);
        long node = tree + Offsets.of(Wire.PID_TREE, "node"), parent = node + Wire.ANCESTOR.byteSize();
        rec.set(JAVA_INT, node, pid);
        rec.set(JAVA_LONG, node + Offsets.of(Wire.ANCESTOR, "start"), startTime);
        comm(rec, node + Offsets.of(Wire.ANCESTOR, "comm"), comm);
        rec.set(JAVA_INT, parent, 1);
        comm(rec, parent + Offsets.of(Wire.ANCESTOR, "comm"), parentComm);
    }

    /**
     * A task_event record of `type` (fork 1000: `arg0` is the parent's pid; exit 60: the exit code)
     * for process `pid`, child of `ppid`, without ancestry.
     */
    public static MemorySegment task(Arena arena, int type, int pid, int ppid, long startTime, String comm, long arg0) {
        MemorySegment rec = header(arena, Wire.TASK.byteSize(), type, pid, ppid, startTime, comm);
        rec.set(JAVA_LONG, Offsets.of(Wire.TASK, "arg0"), arg0);
        return rec;
    }

    private static MemorySegment header(Arena arena, long size, int type, int pid, int ppid, long startTime, String comm) {
        MemorySegment rec = arena.allocate(size, 8);
        rec.set(JAVA_INT, Offsets.of(Wire.HEADER, "type"), type);
        rec.set(JAVA_INT, Offsets.of(Wire.HEADER, "size"), (int) size);
        rec.set(JAVA_LONG, Offsets.of(Wire.HEADER, "start_time"), startTime);
        rec.set(JAVA_INT, Offsets.of(Wire.HEADER, "pid"), pid);
        rec.set(JAVA_INT, Offsets.of(Wire.HEADER, "tid"), pid);
        rec.set(JAVA_INT, Offsets.of(Wire.HEADER, "ppid"), ppid);
        comm(rec, Offsets.of(Wire.HEADER, "comm"), comm);
        return rec;
    }

    private static void comm(MemorySegment rec, long at, String comm) {
        byte[] b = utf8(comm);
        MemorySegment.copy(b, 0, rec, JAVA_BYTE, at, Math.min(b.length, Wire.COMM_LEN - 1));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] nulJoined(List<String> parts) {
        return parts.isEmpty() ? new byte[0] : utf8(String.join("\0", parts) + "\0");
    }
}
