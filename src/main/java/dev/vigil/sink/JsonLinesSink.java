package dev.vigil.sink;

import dev.vigil.enrich.EnrichedEvent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.function.Consumer;

/** One JSON object per line. Flushes when asked, and after every event when the output is interactive. */
public final class JsonLinesSink implements Consumer<EnrichedEvent>, AutoCloseable {
    private final Writer out;
    private final EventJson json = new EventJson();
    private final boolean flushEach;
    private long written;

    public JsonLinesSink(Writer out, boolean flushEach) {
        this.out = out;
        this.flushEach = flushEach;
    }

    @Override
    public void accept(EnrichedEvent e) {
        try {
            StringBuilder line = json.write(e);
            line.append('\n');
            out.append(line);
            written++;
            if (flushEach) {
                out.flush();
            }
        } catch (IOException io) {
            throw new UncheckedIOException("write event", io);
        }
    }

    public long written() {
        return written;
    }

    public void flush() {
        try {
            out.flush();
        } catch (IOException io) {
            throw new UncheckedIOException("flush events", io);
        }
    }

    @Override
    public void close() {
        flush();
    }
}
