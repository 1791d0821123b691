package dev.vigil.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An opened (and later loaded) BPF ELF object: its programs and maps live and die with it.
 * Opened in parts, it loads on several cores: the verifier checks each program alone, and libbpf
 * loads one object's programs one after the other. Then one libbpf object creates the maps and
 * each part, a copy of the same ELF that shares those maps, loads its share of the programs on
 * its own thread. To its user it is still one object.
 */
public final class BpfObject implements AutoCloseable {
    private final String name;
    /** The object whose maps are the maps; with parts, it loads no program. */
    private final MemorySegment handle;
    /** Copies that load the programs, each its share; empty when `handle` loads them itself. */
    private final List<MemorySegment> parts;
    private final Map<String, BpfProgram> programs = new LinkedHashMap<>();
    private boolean partsClosed;
    private boolean closed;

    private BpfObject(String name, MemorySegment handle, List<MemorySegment> parts) throws Throwable {
        this.name = name;
        this.handle = handle;
        this.parts = parts;
        List<BpfProgram> own = programsOf(handle);
        if (parts.isEmpty()) {
            own.forEach(p -> programs.put(p.name(), p));
            return;
        }
        own.forEach(p -> p.autoload(false));
        // the largest programs first, each to the part with the least so far: shares of about equal work
        List<BpfProgram> bySize = new ArrayList<>(own);
        bySize.sort(java.util.Comparator.comparingLong(BpfProgram::instructions).reversed());
        long[] load = new long[parts.size()];
        Map<String, Integer> partOf = new java.util.HashMap<>();
        for (BpfProgram p : bySize) {
            int least = 0;
            for (int i = 1; i < load.length; i++) {
                least = load[i] < load[least] ? i : least;
            }
            partOf.put(p.name(), least);
            load[least] += p.instructions();
        }
        List<List<BpfProgram>> inParts = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            List<BpfProgram> ps = programsOf(parts.get(i));
            for (BpfProgram p : ps) {
                p.autoload(partOf.get(p.name()) == i);
            }
            inParts.add(ps);
        }
        for (BpfProgram p : own) { // in the ELF's order
            programs.put(p.name(), inParts.get(partOf.get(p.name())).stream().filter(q -> q.name().equals(p.name())).findFirst().orElseThrow());
        }
    }

    private List<BpfProgram> programsOf(MemorySegment obj) throws Throwable {
        List<BpfProgram> list = new ArrayList<>();
        MemorySegment p = MemorySegment.NULL;
        while (true) {
            p = (MemorySegment) Libbpf.NEXT_PROGRAM.invokeExact(obj, p);
            if (p.equals(MemorySegment.NULL)) {
                return list;
            }
            list.add(new BpfProgram(this, p));
        }
    }

    private static List<MemorySegment> mapsOf(MemorySegment obj) throws Throwable {
        List<MemorySegment> list = new ArrayList<>();
        MemorySegment m = MemorySegment.NULL;
        while (true) {
            m = (MemorySegment) Libbpf.NEXT_MAP.invokeExact(obj, m);
            if (m.equals(MemorySegment.NULL)) {
                return list;
            }
            list.add(m);
        }
    }

    /** Opens an ELF object held in memory; nothing reaches the kernel until {@link #load()}. */
    public static BpfObject open(String name, byte[] elf) {
        return open(name, elf, 1);
    }

    /** As {@link #open(String, byte[])}, to be loaded by `threads` threads (1: libbpf's own way). */
    public static BpfObject open(String name, byte[] elf, int threads) {
        LibbpfLog.install();
        List<MemorySegment> opened = new ArrayList<>();
        try {
            for (int i = 0; i < (threads > 1 ? threads + 1 : 1); i++) {
                // libbpf copies what it keeps and lets go of the ELF before open returns: the copy is freed at once
                try (Arena elfCopy = Arena.ofConfined()) {
                    MemorySegment buf = elfCopy.allocate(elf.length, 8);
                    buf.copyFrom(MemorySegment.ofArray(elf));
                    MemorySegment obj = (MemorySegment) Libbpf.OPEN_MEM.invokeExact(Libbpf.callState(), buf, (long) elf.length, MemorySegment.NULL);
                    if (obj.equals(MemorySegment.NULL)) {
                        throw new BpfException("open object " + name, Libbpf.errno());
                    }
                    opened.add(obj);
                }
            }
            return new BpfObject(name, opened.getFirst(), List.copyOf(opened.subList(1, opened.size())));
        } catch (BpfException e) {
            closeAll(opened);
            throw e;
        } catch (Throwable t) {
            closeAll(opened);
            throw new BpfException("open object " + name, t);
        }
    }

    private static void closeAll(List<MemorySegment> objects) {
        for (MemorySegment o : objects) {
            try {
                Libbpf.OBJECT_CLOSE.invokeExact(o);
            } catch (Throwable ignored) {
                // closing what failed to open: nothing more to do
            }
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
        loadOne(handle);
        if (parts.isEmpty()) {
            return;
        }
        try {
            List<MemorySegment> maps = mapsOf(handle);
            for (MemorySegment part : parts) {
                List<MemorySegment> copies = mapsOf(part);
                for (int i = 0; i < copies.size(); i++) { // the same ELF: the same maps in the same order
                    int fd = (int) Libbpf.MAP_FD.invokeExact(maps.get(i));
                    int rc = (int) Libbpf.MAP_REUSE_FD.invokeExact(copies.get(i), fd);
                    if (rc != 0) {
                        throw new BpfException("load object " + name + ": share map " + Libbpf.string((MemorySegment) Libbpf.MAP_NAME.invokeExact(maps.get(i))), rc);
                    }
                }
            }
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new BpfException("load object " + name + ": share maps", t);
        }
        List<Thread> threads = new ArrayList<>();
        List<RuntimeException> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (MemorySegment part : parts) {
            threads.add(Thread.ofPlatform().name("bpf-load").start(() -> {
                try {
                    loadOne(part);
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BpfException("load object " + name + ": interrupted", e);
            }
        }
        if (!failures.isEmpty()) {
            throw failures.getFirst();
        }
    }

    private void loadOne(MemorySegment obj) {
        int rc;
        try {
            rc = (int) Libbpf.OBJECT_LOAD.invokeExact(obj);
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

    /**
     * Lets go of the copies that loaded the programs, once everything is attached: each holds its
     * own parse of the whole ELF (2 - 3 MiB of the agent's memory for the sensor's two). Their
     * programs stay loaded, each by a descriptor of its own, and can no longer be attached; the
     * maps, in the object that made them, stay as they are.
     */
    public void closeLoaders() {
        if (parts.isEmpty() || partsClosed) {
            return;
        }
        for (BpfProgram p : programs.values()) {
            p.keepLoaded();
        }
        partsClosed = true;
        closeAll(parts);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!partsClosed) {
                closeAll(parts); // their programs first; the maps' object last
            }
            programs.values().forEach(BpfProgram::closeKept);
            Libbpf.OBJECT_CLOSE.invokeExact(handle);
        } catch (Throwable t) {
            throw new BpfException("close object " + name, t);
        }
    }
}
