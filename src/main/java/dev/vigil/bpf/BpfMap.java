package dev.vigil.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/** One map of a loaded {@link BpfObject}. Keys and values are raw bytes laid out as the C side declares them. */
public final class BpfMap {
    private final String name;
    private final MemorySegment handle;

    BpfMap(String name, MemorySegment handle) {
        this.name = name;
        this.handle = handle;
    }

    public String name() {
        return name;
    }

    public int fd() {
        try {
            return (int) Libbpf.MAP_FD.invokeExact(handle);
        } catch (Throwable t) {
            throw new BpfException("map " + name + ": fd", t);
        }
    }

    /** max_entries: for a ring buffer, the size of its data area in bytes. */
    public int maxEntries() {
        try {
            return (int) Libbpf.MAP_MAX_ENTRIES.invokeExact(handle);
        } catch (Throwable t) {
            throw new BpfException("map " + name + ": max_entries", t);
        }
    }

    /**
     * Before load: keep this map in bpffs at `path`, reusing the one pinned there by an earlier
     * run when its shape matches (libbpf creates the parent folder, owner-only).
     */
    public void pinAt(String path) {
        int rc;
        try (Arena tmp = Arena.ofConfined()) {
            rc = (int) Libbpf.MAP_SET_PIN_PATH.invokeExact(handle, tmp.allocateFrom(path));
        } catch (Throwable t) {
            throw new BpfException("map " + name + ": pin at " + path, t);
        }
        if (rc != 0) {
            throw new BpfException("map " + name + ": pin at " + path, rc);
        }
    }

    public void update(MemorySegment key, MemorySegment value) {
        int rc;
        try {
            rc = (int) Libbpf.MAP_UPDATE.invokeExact(handle, key, key.byteSize(), value, value.byteSize(), 0L);
        } catch (Throwable t) {
            throw new BpfException("map " + name + ": update", t);
        }
        if (rc != 0) {
            throw new BpfException("map " + name + ": update", rc);
        }
    }

    public void update(int key, MemorySegment value) {
        try (Arena arena = Arena.ofConfined()) {
            update(arena.allocateFrom(JAVA_INT, key), value);
        }
    }

    /** Looks up `key` into `value`; false when absent. For per-CPU maps `value` holds one slot per possible CPU. */
    public boolean lookup(MemorySegment key, MemorySegment value) {
        int rc;
        try {
            rc = (int) Libbpf.MAP_LOOKUP.invokeExact(handle, key, key.byteSize(), value, value.byteSize(), 0L);
        } catch (Throwable t) {
            throw new BpfException("map " + name + ": lookup", t);
        }
        if (rc == -2) {
            return false;
        }
        if (rc != 0) {
            throw new BpfException("map " + name + ": lookup", rc);
        }
        return true;
    }

    public void delete(MemorySegment key) {
        try {
            int rc = (int) Libbpf.MAP_DELETE.invokeExact(handle, key, key.byteSize(), 0L);
            if (rc != 0 && rc != -2) {
                throw new BpfException("map " + name + ": delete", rc);
            }
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new BpfException("map " + name + ": delete", t);
        }
    }

    public static int possibleCpus() {
        return Libbpf.possibleCpus();
    }
}
