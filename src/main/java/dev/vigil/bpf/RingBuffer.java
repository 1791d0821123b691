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
 *
 * <p>The reader waits on an epoll set of its own, edge-triggered on the ring: it returns once per
 * kernel wakeup, not whenever records are there, so that after the first record has woken it the
 * reader can let more gather before it drains (see {@link #awaitWakeup}). libbpf's own epoll set is
 * level-triggered and returns at once while any record is in the ring.
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
    /** The reader's epoll set (the ring, edge-triggered, and {@link #stopWaiting}'s eventfd), and where epoll_wait writes. */
    private final int epoll, interrupter;
    private final MemorySegment readyEvents = arena.allocate(32, 8);
    private boolean closed;
    private long consumerFailures;
    private Throwable lastFailure;
    /** Records one drain may still deliver; past it the callback stops libbpf's loop (see {@link #drain}). */
    private int budget, delivered;
    private static final int BUDGET_SPENT = -0x7000_0000;
    /** Records per drain at most: a producer faster than the consumer must not keep one drain running forever. */
    static final int DRAIN_BUDGET = 32_768;

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
        int ep = -1, ev = -1;
        try {
            ep = (int) Libbpf.EPOLL_CREATE1.invokeExact(Libbpf.callState(), O_CLOEXEC);
            if (ep < 0) {
                throw new BpfException("ring buffer " + name + ": epoll_create1", Libbpf.errno());
            }
            ev = (int) Libbpf.EVENTFD.invokeExact(Libbpf.callState(), 0, O_CLOEXEC | O_NONBLOCK);
            if (ev < 0) {
                throw new BpfException("ring buffer " + name + ": eventfd", Libbpf.errno());
            }
            watch(ep, map.fd(), EPOLLIN | EPOLLET);
            watch(ep, ev, EPOLLIN);
        } catch (Throwable t) {
            closeFd(ev);
            closeFd(ep);
            try {
                Libbpf.RINGBUF_FREE.invokeExact(handle);
            } catch (Throwable ignored) {
                // the first failure is the one to report
            }
            arena.close();
            throw t instanceof BpfException b ? b : new BpfException("ring buffer " + name, t);
        }
        epoll = ep;
        interrupter = ev;
    }

    private static final int O_CLOEXEC = 02000000, O_NONBLOCK = 04000;
    private static final int EPOLL_CTL_ADD = 1, EPOLLIN = 0x1, EPOLLET = 1 << 31;

    private void watch(int ep, int fd, int events) throws Throwable {
        MemorySegment event = arena.allocate(16, 8);
        event.set(JAVA_INT, 0, events);
        int rc = (int) Libbpf.EPOLL_CTL.invokeExact(Libbpf.callState(), ep, EPOLL_CTL_ADD, fd, event);
        if (rc < 0) {
            throw new BpfException("ring buffer " + name + ": epoll_ctl", Libbpf.errno());
        }
    }

    private static void closeFd(int fd) {
        if (fd >= 0) {
            try {
                int ignored = (int) Libbpf.CLOSE.invokeExact(fd);
            } catch (Throwable notClosed) {
                // nothing more to do with it
            }
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
     * Waits up to `timeoutMillis` for the kernel to wake the reader; true if it did (or was
     * {@link #stopWaiting told to stop waiting}). The programs wake the reader with the first record written
     * after a drain has emptied the ring (the kernel's own rule for a submit without flags) and with
     * every record once a burst has filled part of the ring, and never otherwise: so while the reader
     * lets records gather after the first one, only a burst cuts the wait short.
     */
    public boolean awaitWakeup(int timeoutMillis) {
        try {
            return (int) Libbpf.EPOLL_WAIT.invokeExact(epoll, readyEvents, 2, timeoutMillis) > 0; // EINTR (-1): as a timeout
        } catch (Throwable t) {
            throw new BpfException("ring buffer " + name + ": epoll_wait", t);
        }
    }

    /** From now on {@link #awaitWakeup} returns at once, in the reader's thread waiting there too: for closing. */
    public synchronized void stopWaiting() {
        if (closed) {
            return; // its descriptor may be another file's by now
        }
        try (Arena a = Arena.ofConfined()) {
            long ignored = (long) Libbpf.WRITE.invokeExact(interrupter, a.allocateFrom(JAVA_LONG, 1L), 8L);
        } catch (Throwable t) {
            throw new BpfException("ring buffer " + name + ": stop waiting", t);
        }
    }

    /**
     * Hands the records in the ring to the consumer; returns how many. At most {@link #DRAIN_BUDGET}
     * records per call: under a storm the caller still gets control back to do its periodic work
     * (loss alerts, windows); {@link #budgetSpent} then says records are left, which no wakeup will
     * announce.
     */
    public int drain() {
        int n;
        budget = DRAIN_BUDGET;
        delivered = 0;
        try {
            n = (int) Libbpf.RINGBUF_CONSUME.invokeExact(handle);
        } catch (Throwable t) {
            throw new BpfException("ring buffer " + name + ": consume", t);
        }
        if (n < 0 && n != BUDGET_SPENT) {
            throw new BpfException("ring buffer " + name + ": consume", n);
        }
        return delivered;
    }

    /** The last {@link #drain} stopped at its budget with records still in the ring. */
    public boolean budgetSpent() {
        return budget <= 0;
    }

    /** Records the consumer threw on (each one dropped). */
    public long consumerFailures() {
        return consumerFailures;
    }

    public Throwable lastFailure() {
        return lastFailure;
    }

    @Override
    public synchronized void close() {
        closed = true;
        try {
            Libbpf.RINGBUF_FREE.invokeExact(handle);
        } catch (Throwable t) {
            throw new BpfException("ring buffer " + name + ": free", t);
        } finally {
            closeFd(interrupter);
            closeFd(epoll);
            arena.close();
        }
    }
}
