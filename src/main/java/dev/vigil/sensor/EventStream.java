package dev.vigil.sensor;

import dev.vigil.event.Event;
import dev.vigil.event.EventType;

import java.util.function.Consumer;

/**
 * A stream of security events, read like JDK Flight Recorder's EventStream: register handlers,
 * then {@link #start()} (blocking) or {@link #startAsync()}. A handler that throws is reported to
 * the error handlers and never stops the others.
 */
public interface EventStream extends AutoCloseable {
    void onEvent(Consumer<Event> handler);

    void onEvent(EventType type, Consumer<Event> handler);

    void onError(Consumer<Throwable> handler);

    /** Runs after each batch of events has been delivered, and about once a second when none come (JFR's onFlush): the moment to flush output and close time windows. */
    void onFlush(Runnable handler);

    /** Runs once after the stream has stopped and everything is detached. */
    void onClose(Runnable handler);

    /** Delivers events on the calling thread until {@link #close()}. */
    void start();

    /** Delivers events on a new thread; returns at once. */
    void startAsync();

    /** Blocks until the stream has stopped. */
    void awaitTermination() throws InterruptedException;

    @Override
    void close();
}
