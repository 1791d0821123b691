package dev.vigil.agent;

import dev.vigil.integrity.CheckResult;
import dev.vigil.integrity.Finding;
import dev.vigil.integrity.IntegrityEvents;
import dev.vigil.integrity.IntegrityScan;

import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The integrity checks inside `vigil run`: a pass at start and every interval on a thread of their
 * own, each new finding an event for the rules (a finding still there at the next pass is not sent
 * again; one that went and came back is), and every exec whose LD_PRELOAD names a library checked as
 * it happens. The last pass's results are the health page's and /metrics'.
 */
public final class IntegrityWatch implements AutoCloseable {
    private final IntegrityScan scan = new IntegrityScan();
    private final Consumer<Map<String, Object>> events;
    private final String host;
    private final Duration interval;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;
    private volatile List<CheckResult> last = List.of();
    private volatile long passes;
    private Set<String> reported = new HashSet<>();
    private final Set<String> preloadReported = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private IntegrityWatch(Duration interval, Consumer<Map<String, Object>> events, String host) {
        this.interval = interval;
        this.events = events;
        this.host = host;
        this.thread = Thread.ofPlatform().daemon().name("vigil-integrity").start(this::loop);
    }

    /** Starts the checks: a pass now, then one every `interval` (zero: at start only). */
    public static IntegrityWatch start(Duration interval, Consumer<Map<String, Object>> events, String host) {
        return new IntegrityWatch(interval, events, host);
    }

    private void loop() {
        try {
            do {
                pass();
            } while (!interval.isZero() && !stop.await(interval.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            scan.close();
        }
    }

    private void pass() {
        List<CheckResult> results = scan.run();
        Set<String> now = new HashSet<>();
        for (CheckResult r : results) {
            for (Finding f : r.findings()) {
                String key = f.check().id() + "\0" + f.subject() + "\0" + f.pid() + "\0" + f.address();
                now.add(key);
                if (!reported.contains(key)) {
                    events.accept(IntegrityEvents.of(f, host));
                }
            }
        }
        reported = now;
        last = results;
        passes++;
        for (CheckResult r : results) {
            if (r.outcome() == CheckResult.Outcome.NOT_RUNNABLE && passes == 1) {
                System.err.println("vigil: integrity check " + r.check().id() + " cannot run here: " + r.note());
            }
        }
    }

    /** A kernel event: an exec whose LD_PRELOAD names a library that hides is a finding now, not at the next pass. */
    public void kernelEvent(Map<String, Object> e) {
        if (!"execve".equals(e.get("event")) || !(e.get("ld_preload") instanceof String preload) || preload.isEmpty()
                || !(e.get("pid") instanceof Number pid)) {
            return;
        }
        Finding f = scan.preloadedAtExec(pid.intValue(), String.valueOf(e.getOrDefault("comm", "")), String.valueOf(e.getOrDefault("exe", "")), preload);
        if (f != null && preloadReported.add(pid + "\0" + f.subject())) {
            events.accept(IntegrityEvents.of(f, host));
        }
    }

    /** The last pass, for the health page: per check its outcome, findings and time; numbers for /metrics. */
    public Map<String, Object> health() {
        Map<String, Object> h = new LinkedHashMap<>();
        Map<String, Object> findings = new LinkedHashMap<>();
        Map<String, Object> runnable = new LinkedHashMap<>();
        Map<String, Object> notes = new LinkedHashMap<>();
        long nanos = 0;
        for (CheckResult r : last) {
            findings.put(r.check().id(), r.findings().size());
            runnable.put(r.check().id(), r.outcome() == CheckResult.Outcome.NOT_RUNNABLE ? 0 : 1);
            notes.put(r.check().id(), r.outcome().name().toLowerCase(java.util.Locale.ROOT) + ": " + r.note());
            nanos += r.nanos();
        }
        h.put("integrity_passes", passes);
        h.put("integrity_last_pass_ms", nanos / 1_000_000);
        h.put("integrity_findings", findings);
        h.put("integrity_check_runnable", runnable);
        h.put("integrity_checks", notes);
        return h;
    }

    @Override
    public void close() throws InterruptedException {
        stop.countDown();
        thread.join(10_000);
    }
}
