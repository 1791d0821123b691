package dev.vigil.sensor;

import dev.vigil.event.Event;
import dev.vigil.event.EventType;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/** The {@link EventStream} of a {@link Sensor}: opening it loads and attaches; closing detaches. */
public final class KernelEventStream implements EventStream {
    private final Sensor sensor;
    private final List<Consumer<Event>> all = new CopyOnWriteArrayList<>();
    private final Map<EventType, List<Consumer<Event>>> byType = new EnumMap<>(EventType.class);
    private final List<Consumer<Throwable>> errors = new CopyOnWriteArrayList<>();
    private final List<Runnable> closers = new CopyOnWriteArrayList<>();
    private final List<Runnable> flushers = new CopyOnWriteArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean closing;
    /** The longest wait for a record: time-based work (windows that close with no event) runs once a second on an idle host. */
    private static final int IDLE_WAIT_MS = 1000;
    private volatile boolean started;
    private volatile LossReport finalLosses;

    private final UeventSource uevents;
    private final Object dispatchLock = new Object();

    private KernelEventStream(SensorOptions options) {
        this.sensor = Sensor.open(options, this::dispatch);
        UeventSource u = null;
        if (options.hooks().contains(EventType.USB)) {
            try {
                u = new UeventSource(options.usbSubsystems(), this::dispatch);
            } catch (RuntimeException e) {
                sensor.close();
                throw e;
            }
        }
        this.uevents = u;
    }

    public static KernelEventStream open(SensorOptions options) {
        return new KernelEventStream(options);
    }

    public Sensor sensor() {
        return sensor;
    }

    @Override
    public void onEvent(Consumer<Event> handler) {
        all.add(handler);
    }

    @Override
    public synchronized void onEvent(EventType type, Consumer<Event> handler) {
        byType.computeIfAbsent(type, t -> new CopyOnWriteArrayList<>()).add(handler);
    }

    @Override
    public void onError(Consumer<Throwable> handler) {
        errors.add(handler);
    }

    @Override
    public void onFlush(Runnable handler) {
        flushers.add(handler);
    }

    @Override
    public void onClose(Runnable handler) {
        closers.add(handler);
    }

    /** Both sources (ring buffer, uevents) deliver here; handlers see one event at a time. */
    private void dispatch(Event e) {
        synchronized (dispatchLock) {
            dispatchLocked(e);
        }
    }

    private void dispatchLocked(Event e) {
        for (Consumer<Event> h : all) {
            deliver(h, e);
        }
        List<Consumer<Event>> typed = byType.get(e.type());
        if (typed != null) {
            for (Consumer<Event> h : typed) {
                deliver(h, e);
            }
        }
    }

    private void deliver(Consumer<Event> h, Event e) {
        try {
            h.accept(e);
        } catch (RuntimeException failure) {
            for (Consumer<Throwable> eh : errors) {
                try {
                    eh.accept(failure);
                } catch (RuntimeException ignored) {
                    // an error handler's own failure has nowhere left to go
                }
            }
        }
    }

    @Override
    public void start() {
        if (started) {
            throw new IllegalStateException("stream already started");
        }
        started = true;
        try {
            DrainPace pace = new DrainPace();
            long lastFlush = System.nanoTime();
            while (!closing) {
                lastFlush = round(pace, lastFlush);
            }
        } catch (RuntimeException e) {
            for (Consumer<Throwable> eh : errors) {
                eh.accept(e);
            }
        } finally {
            shutdown();
        }
    }

    /**
     * One wait and drain; returns when the flushers last ran. A method of its own so that the JIT
     * compiles it once it has run a few hundred times (seconds of load): as the body of the loop in
     * {@link #start} it ran interpreted until on-stack replacement, tens of thousands of rounds in.
     */
    private long round(DrainPace pace, long lastFlush) {
        if (!sensor.recordsLeft()) {
            if (pace.busy()) { // the last drain found records: more are likely, and gather without the kernel waking the reader
                sensor.awaitRecords(pace.gatherMs(System.nanoTime())); // a burst cuts that short
            } else if (sensor.awaitFirstRecord(IDLE_WAIT_MS) && !closing) { // quiet: the first record wakes the reader
                sensor.awaitRecords(pace.gatherMs(System.nanoTime()));
            }
        }
        int delivered = sensor.drain();
        long now = System.nanoTime();
        pace.drained(delivered, now);
        // after events, and once a second when idle (time-based work: windows that close with no event)
        if (delivered > 0 || now - lastFlush > 1_000_000_000L) {
            flushers.forEach(Runnable::run);
            return now;
        }
        return lastFlush;
    }

    @Override
    public void startAsync() {
        Thread t = new Thread(this::start, "vigil-sensor");
        t.setDaemon(true);
        t.start();
    }

    /** Loss counters: live while running, final after the stream stopped. */
    public LossReport losses() {
        LossReport last = finalLosses;
        return last != null ? last : sensor.losses();
    }

    /** Containers whose own files are watched by name only: the watch keys for containers were all used. */
    public long containersUnwatched() {
        return sensor.containersUnwatched();
    }

    private void shutdown() {
        try {
            if (uevents != null) {
                uevents.close();
            }
            sensor.drain();
            flushers.forEach(Runnable::run);
            finalLosses = sensor.losses();
            sensor.close();
        } finally {
            List<Runnable> run = new ArrayList<>(closers);
            for (Runnable r : run) {
                try {
                    r.run();
                } catch (RuntimeException ignored) {
                    // keep closing
                }
            }
            stopped.countDown();
        }
    }

    @Override
    public void awaitTermination() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        closing = true;
        if (started) {
            sensor.stopWaiting();
        } else {
            started = true;
            shutdown();
        }
    }
}
