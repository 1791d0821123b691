package dev.vigil.agent;

import dev.vigil.enrich.EnrichedEvent;
import dev.vigil.enrich.Enricher;
import dev.vigil.enrich.ProcessCache;
import dev.vigil.event.EventType;
import dev.vigil.event.ExecEvent;
import dev.vigil.sensor.KernelEventStream;
import dev.vigil.sensor.LossReport;
import dev.vigil.sensor.SensorOptions;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The collection pipeline shared by {@code events} and {@code run}: sensor → enrichment → a
 * consumer, started, stopped on SIGINT/SIGTERM or after a duration, with a summary on stderr.
 */
public final class SensorSession {
    private final KernelEventStream stream;
    private final Set<EventType> shown = EnumSet.noneOf(EventType.class);
    /** Events delivered, by type's ordinal: written by the sensor's thread only, read by the console's. */
    private final java.util.concurrent.atomic.AtomicLongArray delivered = new java.util.concurrent.atomic.AtomicLongArray(EventType.values().length);
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private final ProcessCache cache = ProcessCache.fromProc();
    private final Enricher enricher;

    public SensorSession(SensorOptions options, Consumer<EnrichedEvent> out, Runnable flush) {
        this(options, out, flush, Enricher.hostname());
    }

    /** With `host` as the events' nodename and in process identities (a fleet agent's --host-id). */
    public SensorSession(SensorOptions options, Consumer<EnrichedEvent> out, Runnable flush, String host) {
        for (EventType h : options.hooks()) {
            shown.add(h);
        }
        this.stream = KernelEventStream.open(options);
        this.enricher = new Enricher(cache, e -> {
            if (shown.contains(e.event().type())) {
                int t = e.event().type().ordinal();
                delivered.lazySet(t, delivered.get(t) + 1);
                out.accept(e);
            }
        }, host);
        stream.onEvent(e -> {
            enricher.accept(e);
            if (e instanceof ExecEvent x && x.parentKthread() && shown.contains(EventType.USERMODEHELPER)) {
                enricher.accept(x.asUsermodeHelper());
            }
        });
        stream.onFlush(flush);
        stream.onError(t -> System.err.println("vigil: " + Errors.oneLine(t)));
    }

    /** What was done to the previous agent that it could not report (it was killed), with context. */
    public java.util.Optional<EnrichedEvent> previousTamper() {
        return stream.sensor().previousTamper().map(enricher::enrich);
    }

    public ProcessCache cache() {
        return cache;
    }

    public KernelEventStream stream() {
        return stream;
    }

    /**
     * Runs until one of `stopSignals` (e.g. INT, TERM) or `seconds` (0: no limit), then detaches
     * everything and returns, so that a signal ends the process with status 0 and the summary
     * printed. Signals not named keep whatever handler the caller gave them (SIGHUP reloads rules
     * in {@code vigil run}).
     */
    public void run(long seconds, String... stopSignals) throws InterruptedException {
        for (String name : stopSignals) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
                    stopRequested.set(true);
                    stream.close();
                });
            } catch (IllegalArgumentException unavailable) {
                // the JVM keeps this signal for itself; the default action applies
            }
        }
        stream.startAsync();
        System.err.println("ready");
        System.err.flush();
        if (seconds > 0) {
            long deadline = System.nanoTime() + seconds * 1_000_000_000L;
            while (!stopRequested.get() && System.nanoTime() < deadline) {
                Thread.sleep(Math.min(100, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            }
            stream.close();
        }
        stream.awaitTermination();
        System.err.println(summary());
        System.err.flush();
    }

    /** Events delivered so far by hook, by name, the hooks that delivered none left out. */
    private Map<String, Long> counts() {
        Map<String, Long> out = new TreeMap<>();
        for (EventType t : EventType.values()) {
            long n = delivered.get(t.ordinal());
            if (n > 0) {
                out.merge(t.eventName(), n, Long::sum);
            }
        }
        return out;
    }

    /** Events by hook so far, and losses by cause: the agent's health as the console shows it. */
    public Map<String, Object> health() {
        Map<String, Object> h = new java.util.LinkedHashMap<>();
        h.put("events_by_hook", counts());
        LossReport loss = stream.losses();
        Map<String, Long> byCause = new TreeMap<>();
        for (String cause : LossReport.KERNEL_CAUSES) {
            byCause.put(cause, loss.total(cause));
        }
        h.put("lost_by_cause", byCause);
        h.put("lost", loss.lost());
        h.put("suppressed", loss.suppressed());
        h.put("folded", loss.folded());
        h.put("containers_watched_by_name_only", stream.containersUnwatched());
        return h;
    }

    public String summary() {
        LossReport loss = stream.losses();
        StringBuilder sb = new StringBuilder("vigil: ");
        Map<String, Long> counts = counts();
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        sb.append(total).append(" events");
        if (!counts.isEmpty()) {
            sb.append(" (");
            counts.forEach((k, v) -> sb.append(k).append(' ').append(v).append(", "));
            sb.setLength(sb.length() - 2);
            sb.append(')');
        }
        sb.append("; lost ").append(loss.lost());
        sb.append(" (ringbuf_full ").append(loss.total("ringbuf_full"))
                .append(", decode ").append(loss.total("decode")).append(')');
        sb.append("; suppressed ").append(loss.suppressed()).append(" (rate_limited)");
        if (loss.folded() > 0) {
            sb.append("; folded ").append(loss.folded()).append(" (repeats, by design: failed connects, process_vm calls)");
        }
        sb.append("; damaged (truncated ").append(loss.total("truncated"))
                .append(", read_fault ").append(loss.total("read_fault")).append(')');
        if (!loss.byHook().isEmpty()) {
            sb.append("; by hook ").append(loss.byHook());
        }
        long byName = stream.containersUnwatched();
        if (byName > 0) {
            sb.append("; ").append(byName).append(" containers' own files watched by name only (the watch keys for containers were all used)");
        }
        return sb.toString();
    }
}
