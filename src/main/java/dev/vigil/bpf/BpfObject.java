package dev.vigil.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An opened (and later loaded) BPF ELF object: its programs and maps live and die with it. */
public final class BpfObject implements AutoCloseable {
    private final String name;
    private final Arena arena;
    private final MemorySegment handle;
    private final Map<String, BpfProgram> programs = new LinkedHashMap<>();
    private boolean closed;

    private BpfObject(String name, Arena arena, MemorySegment handle) {
        this.name = name;
        this.arena = arena;
        this.handle = handle;
        try {
            MemorySegment p = MemorySegment.NULL;
            while (true) {
                p = (MemorySegment) Libbpf.NEXT_PROGRAM.invokeExact(handle, p);
                if (p.equals(MemorySegment.NULL)) {
                    break;
                }
                BpfProgram program = new BpfProgram(this, p);
                programs.put(program.name(), program);
            }
        } catch (Throwable t) {
            throw new BpfException("open object " + name + ": list programs", t);
        }
    }

    /** Opens an ELF object held in memory; nothing reaches the kernel until {@link #load()}. */
    public static BpfObject open(String name, byte[] elf) {
        LibbpfLog.install();
        Arena arena = Arena.ofShared();
        try {
            MemorySegment buf = arena.allocate(elf.length, 8);
            buf.copyFrom(MemorySegment.ofArray(elf));
            MemorySegment obj = (MemorySegment) Libbpf.OPEN_MEM.invokeExact(Libbpf.callState(), buf, (long) elf.length, MemorySegment.NULL);
            if (obj.equals(MemorySegment.NULL)) {
                throw new BpfException("open object " + name, Libbpf.errno());
            }
            return new BpfObject(name, arena, obj);
        } catch (BpfException e) {
            arena.close();
            throw e;
        } catch (Throwable t) {
            arena.close();
            throw new BpfException("open object " + name, t);
        }
    }

    public String name() {
        return name;
    }

    public List<BpfProgram> programs() {
        return new ArrayList<>(programs.values());
    }

    public BpfProgram program(String programName) {
        BpfProgram p = programs.get(programName);
        if (p == null) {
            throw new BpfException("object " + name + ": no program " + programName, 2);
        }
        return p;
    }

    /** Loads every program whose autoload is on and creates the maps; a verifier refusal carries its log. */
    public void load() {
        LibbpfLog.drain();
        int rc;
        try {
            rc = (int) Libbpf.OBJECT_LOAD.invokeExact(handle);
        } catch (Throwable t) {
            throw new BpfException("load object " + name, t);
        }
        if (rc != 0) {
            String log = LibbpfLog.drain();
            String failed = log.lines().filter(l -> l.contains("failed to load") && l.contains("prog '"))
                    .map(l -> l.replaceAll(".*prog '([^']*)'.*", "program $1")).findFirst().orElse("");
            String context = "load object " + name + (failed.isEmpty() ? "" : ": " + failed);
            if (log.contains("BEGIN PROG LOAD LOG")) {
                throw new VerifierException(context, rc, log);
            }
            String last = log.strip().lines().reduce((a, b) -> b).orElse("");
            throw new BpfException(context + (last.isEmpty() ? "" : " [" + last + "]"), rc);
        }
    }

    public BpfMap map(String mapName) {
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment m = (MemorySegment) Libbpf.FIND_MAP.invokeExact(handle, tmp.allocateFrom(mapName));
            if (m.equals(MemorySegment.NULL)) {
                throw new BpfException("object " + name + ": no map " + mapName, 2);
            }
            return new BpfMap(mapName, m);
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new BpfException("object " + name + ": map " + mapName, t);
        }
    }

    /** The object's BTF, for checking record layouts; valid until close. */
    public Btf btf() {
        try {
            MemorySegment b = (MemorySegment) Libbpf.OBJECT_BTF.invokeExact(handle);
            if (b.equals(MemorySegment.NULL)) {
                throw new NotSupportedException("BTF", "object " + name + " carries no BTF: build it with clang -g");
            }
            return new Btf(b);
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new BpfException("object " + name + ": btf", t);
        }
    }

    Arena arena() {
        return arena;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Libbpf.OBJECT_CLOSE.invokeExact(handle);
        } catch (Throwable t) {
            throw new BpfException("close object " + name, t);
        } finally {
            arena.close();
        }
    }
}
