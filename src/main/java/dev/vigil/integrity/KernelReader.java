package dev.vigil.integrity;

import dev.vigil.bpf.BpfException;
import dev.vigil.bpf.BpfMap;
import dev.vigil.bpf.BpfObject;
import dev.vigil.bpf.BpfProgram;
import dev.vigil.bpf.Btf;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Kernel memory, the kernel's process list and a file's operations, read by the integrity object's
 * programs (bpf/integrity.bpf.c) run on demand: nothing is attached, nothing in the kernel is
 * written. One reader per scan; not thread-safe (each run works on its own maps' one slot).
 */
public final class KernelReader implements AutoCloseable {
    /**
     * The layouts of bpf/include/integrity.h, checked against the object's BTF when it loads
     * (integrity_file_ops is written into a chunk's bytes and has no BTF of its own: its four u64s
     * are read in the order the header declares).
     */
    static final int CHUNK = 4096;
    static final int MAX_TASKS = 32768;
    static final int CHUNK_DATA = 16;
    static final int TASK_SIZE = 32;
    static final int TASKS_OFFSET = 16;
    static final Map<String, Map<String, Long>> LAYOUT = Map.of(
            "integrity_request", Map.of("address", 0L, "len", 8L),
            "integrity_chunk", Map.of("result", 0L, "len", 8L, "data", (long) CHUNK_DATA),
            "integrity_task", Map.of("tgid", 0L, "flags", 4L, "start_boottime", 8L, "comm", 16L),
            "integrity_task_list", Map.of("count", 0L, "truncated", 4L, "complete", 8L, "tasks", (long) TASKS_OFFSET));

    private final BpfObject object;
    private final BpfProgram read;
    private final BpfProgram tasks;
    private final BpfProgram fileOps;
    private final BpfMap requests;
    private final BpfMap chunks;
    private final BpfMap taskLists;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment zero = arena.allocateFrom(JAVA_INT, 0);
    private final MemorySegment request = arena.allocate(16, 8);
    private final MemorySegment chunk = arena.allocate(CHUNK_DATA + CHUNK, 8);
    private MemorySegment taskList;
    private long reads;

    private KernelReader(BpfObject object) {
        this.object = object;
        this.read = object.program("integrity_read");
        this.tasks = object.program("integrity_tasks");
        this.fileOps = object.program("integrity_file_ops");
        this.requests = object.map("integrity_requests");
        this.chunks = object.map("integrity_chunks");
        this.taskLists = object.map("integrity_task_lists");
    }

    /** Loads the integrity object; its layouts must match this class's, or it is refused with the differences. */
    public static KernelReader open() {
        byte[] elf;
        try (InputStream in = KernelReader.class.getResourceAsStream("/dev/vigil/bpf/integrity.bpf.o")) {
            if (in == null) {
                throw new BpfException("integrity.bpf.o is not in the jar: rebuild (./vigil build)", 2);
            }
            elf = in.readAllBytes();
        } catch (IOException e) {
            throw new BpfException("read integrity.bpf.o", e);
        }
        BpfObject object = BpfObject.open("integrity", elf);
        try {
            List<String> differences = layoutDifferences(object.btf());
            if (!differences.isEmpty()) {
                throw new BpfException("integrity.bpf.o does not match the agent: " + String.join("; ", differences), 22);
            }
            object.load();
            return new KernelReader(object);
        } catch (RuntimeException e) {
            object.close();
            throw e;
        }
    }

    static List<String> layoutDifferences(Btf btf) {
        List<String> out = new ArrayList<>();
        LAYOUT.forEach((struct, members) -> {
            var s = btf.struct(struct);
            if (s.isEmpty()) {
                out.add("no struct " + struct);
                return;
            }
            members.forEach((member, offset) -> {
                Long actual = s.get().memberOffsets().get(member);
                if (!offset.equals(actual)) {
                    out.add(struct + "." + member + " at " + actual + ", the agent reads " + offset);
                }
            });
        });
        return out;
    }

    /** A read of kernel memory that faulted: the address is not mapped, or not readable. */
    public static final class Unreadable extends Exception {
        Unreadable(long address, long errno) {
            super("kernel memory at 0x" + Long.toHexString(address) + " is unreadable (" + errno + ")");
        }
    }

    /** `length` bytes of kernel memory at `address`, read 4 KiB at a time. */
    public byte[] read(long address, int length) throws Unreadable {
        byte[] out = new byte[length];
        for (int done = 0; done < length; done += CHUNK) {
            int n = Math.min(CHUNK, length - done);
            request.set(JAVA_LONG, 0, address + done);
            request.set(JAVA_INT, 8, n);
            requests.update(zero, request);
            read.run();
            reads++;
            chunks.lookup(zero, chunk);
            long result = chunk.get(JAVA_LONG, 0);
            if (result != 0) {
                throw new Unreadable(address + done, result);
            }
            MemorySegment.copy(chunk, JAVA_BYTE, CHUNK_DATA, out, done, n);
        }
        return out;
    }

    /** A process on the kernel's list: its tgid, task flags, start (ns since boot) and name. */
    public record KernelTask(int tgid, int flags, long startBoottime, String comm) {
        public static final int PF_KTHREAD = 0x00200000;

        public boolean kernelThread() {
            return (flags & PF_KTHREAD) != 0;
        }
    }

    /** The kernel's processes, and whether the walk came round to its start (false: the list changed under it, or was cut). */
    public record TaskList(List<KernelTask> tasks, boolean complete, boolean truncated) {}

    public TaskList processes() {
        if (taskList == null) {
            taskList = arena.allocate(TASKS_OFFSET + (long) MAX_TASKS * TASK_SIZE, 8);
        }
        tasks.run();
        taskLists.lookup(zero, taskList);
        int count = Math.min(taskList.get(JAVA_INT, 0), MAX_TASKS);
        List<KernelTask> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long at = TASKS_OFFSET + (long) i * TASK_SIZE;
            byte[] comm = new byte[16];
            MemorySegment.copy(taskList, JAVA_BYTE, at + 16, comm, 0, 16);
            int len = 0;
            while (len < 16 && comm[len] != 0) {
                len++;
            }
            out.add(new KernelTask(taskList.get(JAVA_INT, at), taskList.get(JAVA_INT, at + 4), taskList.get(JAVA_LONG, at + 8),
                    new String(comm, 0, len, StandardCharsets.UTF_8)));
        }
        return new TaskList(out, taskList.get(JAVA_INT, 8) != 0, taskList.get(JAVA_INT, 4) != 0);
    }

    /** The operations of the file open at descriptor `fd` in this process, as the kernel dispatches them. */
    public record FileOps(long fileOps, long iterateShared, long readIter, long inodeOps) {}

    public FileOps fileOps(int fd) throws Unreadable {
        request.set(JAVA_LONG, 0, fd);
        request.set(JAVA_INT, 8, 0);
        requests.update(zero, request);
        fileOps.run();
        chunks.lookup(zero, chunk);
        long result = chunk.get(JAVA_LONG, 0);
        if (result != 0) {
            throw new Unreadable(fd, result);
        }
        return new FileOps(chunk.get(JAVA_LONG, CHUNK_DATA), chunk.get(JAVA_LONG, CHUNK_DATA + 8), chunk.get(JAVA_LONG, CHUNK_DATA + 16),
                chunk.get(JAVA_LONG, CHUNK_DATA + 24));
    }

    /** How many 4 KiB reads this reader made. */
    public long reads() {
        return reads;
    }

    @Override
    public void close() {
        arena.close();
        object.close();
    }
}
