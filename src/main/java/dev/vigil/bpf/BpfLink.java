package dev.vigil.bpf;

import java.lang.foreign.MemorySegment;

/** An attached program; closing detaches it. */
public final class BpfLink implements AutoCloseable {
    private final String program;
    private MemorySegment handle;

    BpfLink(String program, MemorySegment handle) {
        this.program = program;
        this.handle = handle;
    }

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
                throw new BpfException("detach program " + program, rc);
            }
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new BpfException("detach program " + program, t);
        } finally {
            handle = null;
        }
    }
}
