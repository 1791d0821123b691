package dev.vigil.sink;

import dev.vigil.detect.Alert;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.function.Consumer;

/** Alerts as JSON lines, flushed one by one: an alert is read by a person or a pipeline at once. */
public final class AlertSink implements Consumer<Alert>, AutoCloseable {
    private final Writer out;
    private final AlertJson json = new AlertJson();

    public AlertSink(Writer out) {
        this.out = out;
    }

    @Override
    public synchronized void accept(Alert a) {
        try {
            out.append(json.write(a)).append('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("write alert", e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("flush alerts", e);
        }
    }
}
