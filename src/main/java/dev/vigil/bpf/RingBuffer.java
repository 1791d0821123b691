package dev.vigil.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A BPF ring buffer, mapped and read here (see {@link RingReader}: libbpf's reader maps the data
 * twice and calls back into Java once per record). Each record is handed to the consumer as a
 * segment that is valid only during the call: decode, don't keep.
 *
 * <p>The reader waits on an epoll set of its own, edge-triggered on the ring: it returns once per
 * kernel wakeup, not whenever records are there, so that after the first record has woken it the
 * reader can let more gather before it drains (see {@link #awaitWakeup}). libbpf's own epoll set is
 * level-triggered and returns at once while any record is in the ring. The programs wake the
 * reader only while it says it sleeps until a first record (a word in a second map, mapped here:
 * see {@link #awaitFirstRecord}).
 */
public final class RingBuffer implements AutoCloseable {
    /** Receives one record; must not throw (a throw is counted and the record dropped). */
    @FunctionalInterface
    public interface Consumer {
        void accept(MemorySegment record);
    }

    private final String name;
    private final Arena arena = Arena.ofShared();
    /** The consumer's page (read-write), and the producer's page with the data after it (read-only). */
    private final MemorySegment consumerPage, producerArea;
    /** The word the programs read before they ask the kernel to wake the reader: 1 while {@link #awaitFirstRecord} sleeps. */
    private final MemorySegment waitingWord;
    private static final VarHandle WORD = JAVA_INT.varHandle();
    private final RingReader reader;
    /** The reader's epoll set (the ring, edge-triggered, and {@link #stopWaiting}'s eventfd), and where epoll_wait writes. */
    private final int epoll, interrupter;
    private final MemorySegment readyEvents = arena.allocate(32, 8);
    private boolean closed;
    private final GuardedConsumer guarded;
    /** The last drain stopped at its budget (see {@link #drain}). */
    private boolean budgetSpent;
    /** Records per drain at most: a producer faster than the consumer must not keep one drain running forever. */
    static final int DRAIN_BUDGET = 32_768;

    /** `waiting`: a one-entry array of one int, made to be mapped (BPF_F_MMAPABLE), that the programs read. */
    public RingBuffer(BpfMap map, BpfMap waiting, Consumer consumer) {
        this.name = map.name();
        this.guarded = new GuardedConsumer(consumer);
        MemorySegment cons = null, prod = null, word = null;
        int ep = -1, ev = -1;
        try {
            long page = (int) Libbpf.PAGE_SIZE.invokeExact();
            long dataSize = Integer.toUnsignedLong(map.maxEntries());
            cons = mmap(map.fd(), page, PROT_READ | PROT_WRITE, 0);
            prod = mmap(map.fd(), page + dataSize, PROT_READ, page);
            word = mmap(waiting.fd(), page, PROT_READ | PROT_WRITE, 0);
            reader = new RingReader(cons, prod.asSlice(0, page), prod.asSlice(page, dataSize));
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
            munmap(word);
            munmap(prod);
            munmap(cons);
            arena.close();
            throw t instanceof BpfException b ? b : new BpfException("ring buffer " + name, t);
        }
        consumerPage = cons;
        producerArea = prod;
        waitingWord = word;
        epoll = ep;
        interrupter = ev;
    }

    private static final int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1;

    private MemorySegment mmap(int fd, long size, int prot, long offset) throws Throwable {
        MemorySegment at = (MemorySegment) Libbpf.MMAP.invokeExact(Libbpf.callState(), MemorySegment.NULL, size, prot, MAP_SHARED, fd, offset);
        if (at.address() == -1L) {
            throw new BpfException("ring buffer " + name + ": mmap", Libbpf.errno());
        }
        return at.reinterpret(size);
    }

    private static void munmap(MemorySegment mapped) {
        if (mapped != null) {
            try {
                int ignored = (int) Libbpf.MUNMAP.invokeExact(mapped, mapped.byteSize());
            } catch (Throwable notUnmapped) {
                // nothing more to do with it
            }
        }
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

    /**
     * Sleeps up to `timeoutMillis` until a first record comes; true if one is there or the kernel
     * woke the reader (or it was told to stop waiting). Only while the reader sleeps here do the
     * programs ask the kernel to wake it: a reader that drains on its own clock while events keep
     * coming costs the programs no wakeups (in a VM each is an interrupt to self). The word is set
     * before the ring is looked at, so a record written before it was set is found here; one whose
     * program read the word just before it was set but reserved its place only after the look
     * waits for this wait's end.
     */
    public boolean awaitFirstRecord(int timeoutMillis) {
        WORD.setVolatile(waitingWord, 0L, 1);
        VarHandle.fullFence(); // the word, then the ring: a program writes its record, then reads the word
        try {
            return reader.hasRecords() || awaitWakeup(timeoutMillis);
        } finally {
            WORD.setVolatile(waitingWord, 0L, 0);
        }
    }

    /** Whether the programs are told that the reader sleeps until a first record. */
    public boolean readerWaiting() {
        return (int) WORD.getVolatile(waitingWord, 0L) != 0;
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
        int delivered = reader.read(guarded, DRAIN_BUDGET);
        budgetSpent = delivered >= DRAIN_BUDGET;
        return delivered;
    }

    /** The last {@link #drain} stopped at its budget with records still in the ring. */
    public boolean budgetSpent() {
        return budgetSpent;
    }

    /** Records the consumer threw on (each one dropped). */
    public long consumerFailures() {
        return guarded.failures();
    }

    public Throwable lastFailure() {
        return guarded.lastFailure();
    }

    @Override
    public synchronized void close() {
        closed = true;
        munmap(waitingWord);
        munmap(producerArea);
        munmap(consumerPage);
        closeFd(interrupter);
        closeFd(epoll);
        arena.close();
    }
}
