package dev.vigil.bpf;

import java.lang.foreign.MemorySegment;

/** An attached program; closing detaches it. */
public final class BpfLink implements AutoCloseable {
    private final String name;
    private final String program;
    private MemorySegment handle;

    BpfLink(String name, String program, MemorySegment handle) {
        this.name = name;
        this.program = program;
        this.handle = handle;
    }

    /** The attach point's name: the program's own, or the name a shared program's tag gives it. */
    public String name() {
        return name;
    }

    /** The program attached. */
    public String program() {
        return program;
    }

    @Override
    public void close() {
        if (handle == null) {
            return;
        }
        try {
            int rc = (int) Libbpf.LINK_DESTROY.invokeExact(handle);
            if (rc != 0) {
                throw new BpfException("detach " + name, rc);
            }
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new BpfException("detach " + name, t);
        } finally {
            handle = null;
        }
    }
}
