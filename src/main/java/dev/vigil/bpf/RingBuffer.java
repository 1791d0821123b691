package dev.vigil.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A BPF ring buffer read through libbpf. Each record is handed to the consumer as a segment that
 * is valid only during the call: decode, don't keep.
 */
public final class RingBuffer implements AutoCloseable {
    /** Receives one record; must not throw (a throw is counted and the record dropped). */
    @FunctionalInterface
    public interface Consumer {
        void accept(MemorySegment record);
    }

    private static final MethodHandle SAMPLE;
    static {
        try {
            SAMPLE = MethodHandles.lookup().findVirtual(RingBuffer.class, "sample",
                    MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class, long.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final Consumer consumer;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment handle;
    private long consumerFailures;
    private Throwable lastFailure;
    /** Records one poll may still deliver; past it the callback stops libbpf's loop (see {@link #poll}). */
    private int budget, delivered;
    private static final int BUDGET_SPENT = -0x7000_0000;
    /** Records per poll at most: a producer faster than the consumer must not keep one poll running forever. */
    static final int POLL_BUDGET = 32_768;

    public RingBuffer(BpfMap map, Consumer consumer) {
        this.name = map.name();
        this.consumer = consumer;
        try {
            MemorySegment stub = Libbpf.LINKER.upcallStub(SAMPLE.bindTo(this),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG), arena);
            handle = (MemorySegment) Libbpf.RINGBUF_NEW.invokeExact(Libbpf.callState(), map.fd(), stub, MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            arena.close();
            throw new BpfException("ring buffer " + name, t);
        }
        if (handle.equals(MemorySegment.NULL)) {
            int errno = Libbpf.errno();
            arena.close();
            throw new BpfException("ring buffer " + name, errno);
        }
    }

    private int sample(MemorySegment ctx, MemorySegment data, long size) {
        try {
            consumer.accept(data.reinterpret(size));
        } catch (Throwable t) {
            consumerFailures++;
            lastFailure = t;
        }
        delivered++;
        return --budget > 0 ? 0 : BUDGET_SPENT;
    }

    /**
     * Waits up to `timeoutMillis` for a wakeup, then hands every record in the ring to the
     * consumer; returns how many. The programs write without waking the reader (a wakeup costs a
     * self-IPI per record in a VM) until a burst has filled part of the ring, so records that came
     * in quietly are drained here after the wait. At most {@link #POLL_BUDGET} records per call:
     * under a storm the caller still gets control back to do its periodic work (loss alerts, windows).
     */
    public int poll(int timeoutMillis) {
        int n, more = 0;
        budget = POLL_BUDGET;
        delivered = 0;
        try {
            n = (int) Libbpf.RINGBUF_POLL.invokeExact(handle, timeoutMillis);
            if (n != BUDGET_SPENT) {
                more = (int) Libbpf.RINGBUF_CONSUME.invokeExact(handle);
            }
        } catch (Throwable t) {
            throw new BpfException("ring buffer " + name + ": poll", t);
        }
        if (n < 0 && n != -4 && n != BUDGET_SPENT) {
            throw new BpfException("ring buffer " + name + ": poll", n);
        }
        if (more < 0 && more != BUDGET_SPENT) {
            throw new BpfException("ring buffer " + name + ": consume", more);
        }
        return delivered;
    }

    /** Records the consumer threw on (each one dropped). */
    public long consumerFailures() {
        return consumerFailures;
    }

    public Throwable lastFailure() {
        return lastFailure;
    }

    @Override
    public void close() {
        try {
            Libbpf.RINGBUF_FREE.invokeExact(handle);
        } catch (Throwable t) {
            throw new BpfException("ring buffer " + name + ": free", t);
        } finally {
            arena.close();
        }
    }
}
