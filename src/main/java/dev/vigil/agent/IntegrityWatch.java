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
 * own, each once the host has a quiet second, and each of its steps once the host is quiet again
 * (a pass at most two minutes late: {@link HostQuiet}); each new finding an event for the rules (a
 * finding still there at the next pass is not sent again; one that went and came back is), and
 * every exec whose LD_PRELOAD names a library checked as it happens (on a thread of its own:
 * reading a library is no work for the sensor's). The last pass's results are the health page's
 * and /metrics'.
 */
public final class IntegrityWatch implements AutoCloseable {
    private final IntegrityScan scan = new IntegrityScan();
    private final Consumer<Map<String, Object>> events;
    private final String host;
    private final Duration interval;
    private final CountDownLatch stop = new CountDownLatch(1);
    /** A pass waits for a quiet second on the host, at most this long. */
    static final Duration LONGEST_DEFERRAL = Duration.ofMinutes(2);
    /**
     * The quiet a pass waits for before each step: a quarter of a second shows a workload that has
     * started (/proc/stat counts in 10 ms ticks), and a pass of some twenty steps ends a few seconds later.
     */
    static final Duration STEP_WINDOW = Duration.ofMillis(250);
    private final Thread thread;
    private volatile List<CheckResult> last = List.of();
    private volatile long passes;
    private Set<String> reported = new HashSet<>();
    private final Set<String> preloadReported = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicLong execChecksDropped = new java.util.concurrent.atomic.AtomicLong();
    /** Exec-time preload checks read ELF files: off the sensor's thread, on a bounded queue whose overflow is counted. */
    private final java.util.concurrent.ThreadPoolExecutor execChecks = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new java.util.concurrent.ArrayBlockingQueue<>(1024), r -> Thread.ofPlatform().daemon().name("vigil-integrity-exec").unstarted(r),
            (r, pool) -> execChecksDropped.incrementAndGet());
    private static final int MAX_PRELOADS_REMEMBERED = 10_000;

    private final dev.vigil.enrich.ProcessCache cache;

    private IntegrityWatch(Duration interval, Consumer<Map<String, Object>> events, String host, dev.vigil.enrich.ProcessCache cache) {
        this.interval = interval;
        this.events = events;
        this.host = host;
        this.cache = cache;
        this.thread = Thread.ofPlatform().daemon().name("vigil-integrity").start(this::loop);
    }

    /** Starts the checks: a pass now, then one every `interval` (zero: at start only); `cache` gives a process finding its identity. */
    public static IntegrityWatch start(Duration interval, Consumer<Map<String, Object>> events, String host, dev.vigil.enrich.ProcessCache cache) {
        return new IntegrityWatch(interval, events, host, cache);
    }

    /**
     * A finding's event, with the process's identity as the sensor knows it (start time and exec_id,
     * so that the store and the console put the alert on that process's node) when it names one.
     */
    private Map<String, Object> event(Finding f) {
        Map<String, Object> e = IntegrityEvents.of(f, host);
        if (f.pid() > 0) {
            dev.vigil.enrich.ProcessInfo p = cache == null ? null : cache.get(f.pid());
            long start = p != null ? p.startTime() : startFromProc(f.pid());
            if (start > 0) {
                e.put("start_time", start);
                e.put("exec_id", host + ":" + start + ":" + f.pid());
            }
            if (p != null) {
                e.put("ppid", (long) p.ppid());
            }
        }
        return e;
    }

    /** The process's start in boot-time ns from /proc/PID/stat (in ticks of 10 ms), or 0. */
    private static long startFromProc(int pid) {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", Integer.toString(pid), "stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]) * 10_000_000L;
        } catch (java.io.IOException | RuntimeException gone) {
            return 0;
        }
    }

    private void loop() {
        BackgroundPriority.lowerThisThread(); // a pass waits for the host's work, never the other way round
        try {
            do {
                if (!HostQuiet.await(LONGEST_DEFERRAL, stop)) {
                    break;
                }
                long deadline = System.nanoTime() + LONGEST_DEFERRAL.toNanos();
                IntegrityScan.Pace quietAgain = () -> quietStep(deadline);
                if (!pass(quietAgain) || !quietAgain.next()) {
                    break;
                }
                // a pass reads megabytes (kallsyms, the kernel's text) that end in the old generation; the serial
                // collector gives the heap back only at a full collection, which an idle agent would not have
                System.gc();
            } while (!interval.isZero() && !stop.await(interval.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            scan.close();
        }
    }

    /**
     * Between a pass's steps: waits for a quiet {@link #STEP_WINDOW} until the pass's deadline (a
     * workload that started during the pass pays for the step it met, and the pass goes on once it
     * ends); false once the agent stops.
     */
    private boolean quietStep(long deadline) {
        try {
            return HostQuiet.await(deadline, stop, STEP_WINDOW);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Returns false if the agent stopped during the pass (its results are left unused). */
    private boolean pass(IntegrityScan.Pace pace) {
        List<CheckResult> results = scan.run(pace);
        if (stop.getCount() == 0 || Thread.currentThread().isInterrupted()) {
            return false;
        }
        Set<String> now = new HashSet<>();
        for (CheckResult r : results) {
            for (Finding f : r.findings()) {
                String key = f.check().id() + "\0" + f.subject() + "\0" + f.pid() + "\0" + f.address();
                now.add(key);
                if (!reported.contains(key)) {
                    events.accept(event(f));
                }
            }
        }
        reported = now;
        last = results;
        passes++;
        return true;
    }

    /** The event types {@link #kernelEvent} looks at. */
    public static boolean reads(dev.vigil.event.EventType type) {
        return type == dev.vigil.event.EventType.EXECVE;
    }

    /** A kernel event: an exec whose LD_PRELOAD names a library that hides is a finding now, not at the next pass. */
    public void kernelEvent(Map<String, Object> e) {
        if (!"execve".equals(e.get("event")) || !(e.get("ld_preload") instanceof String preload) || preload.isEmpty()
                || !(e.get("pid") instanceof Number pid)) {
            return;
        }
        String comm = String.valueOf(e.getOrDefault("comm", ""));
        String exe = String.valueOf(e.getOrDefault("exe", ""));
        execChecks.execute(() -> {
            Finding f = scan.preloadedAtExec(pid.intValue(), comm, exe, preload);
            if (preloadReported.size() > MAX_PRELOADS_REMEMBERED) {
                preloadReported.clear();
            }
            if (f != null && preloadReported.add(pid + "\0" + f.subject())) {
                events.accept(event(f));
            }
        });
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
        h.put("integrity_exec_checks_dropped", execChecksDropped.get());
        h.put("integrity_last_pass_ms", nanos / 1_000_000);
        h.put("integrity_findings", findings);
        h.put("integrity_check_runnable", runnable);
        h.put("integrity_checks", notes);
        return h;
    }

    @Override
    public void close() throws InterruptedException {
        stop.countDown();
        execChecks.shutdown();
        execChecks.awaitTermination(10, TimeUnit.SECONDS);
        thread.join(10_000);
    }
}
