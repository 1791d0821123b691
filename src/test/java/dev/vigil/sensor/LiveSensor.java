package dev.vigil.sensor;

import dev.vigil.event.Event;
import dev.vigil.event.FieldSink;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * One sensor with every hook on, shared by the integration tests (loading takes a second or
 * two). Tests make the kernel act through the trigger helper and wait for the matching event.
 * Not root: the tests skip, except under CI=true, where a skipped privileged test is a failure.
 */
public final class LiveSensor {
    public static final Path WATCHED_DIR = Path.of("/tmp/vigil-test-watched");
    private static LiveSensor instance;

    private final KernelEventStream stream;
    private final ConcurrentLinkedDeque<Event> events = new ConcurrentLinkedDeque<>();
    private static final int KEPT = 200_000;
    private final java.util.concurrent.atomic.AtomicInteger kept = new java.util.concurrent.atomic.AtomicInteger();

    private LiveSensor() throws IOException {
        Files.createDirectories(WATCHED_DIR);
        Runtime.getRuntime().addShutdownHook(new Thread(LiveSensor::removeWatchedDir, "vigil-test-cleanup"));
        List<Path> watch = new ArrayList<>(WatchList.defaults());
        watch.add(WATCHED_DIR);
        SensorOptions options = SensorOptions.of(Hooks.every()).withWatchPaths(watch).withRawSyscalls(true).withScan(10, 5000)
                .withUsbSubsystems(java.util.Set.of("usb", "mem"));
        stream = KernelEventStream.open(options);
        stream.onEvent(e -> {
            events.add(e);
            // counted apart: the deque's size() walks every node, so each event cost more the more were kept,
            // and the sensor's thread fell seconds behind (its watch refresh with it: FileBpfTest failed)
            if (kept.incrementAndGet() > KEPT) {
                events.pollFirst();
                kept.decrementAndGet();
            }
        });
        stream.startAsync();
    }

    public static synchronized LiveSensor get() {
        requireRoot();
        if (instance == null) {
            try {
                instance = new LiveSensor();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return instance;
    }

    /** The tests' watched folder and whatever a test left in it: nothing stays in /tmp after the run. */
    private static void removeWatchedDir() {
        try (var files = Files.walk(WATCHED_DIR)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | java.io.UncheckedIOException gone) {
            // already removed, or a file in use: nothing more to do at exit
        }
    }

    static void requireRoot() {
        boolean root = KernelSupport.isRoot();
        if (!root && "true".equals(System.getenv("CI"))) {
            fail("privileged tests must run as root under CI=true");
        }
        Assumptions.assumeTrue(root, "needs root to load BPF");
    }

    public KernelEventStream stream() {
        return stream;
    }

    /** The first event matching `p` within 10 s (a liveness bound, not a speed claim). */
    public Event await(String what, Predicate<Event> p) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            for (Event e : events) {
                if (p.test(e)) {
                    return e;
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return fail("no " + what + " event within 10 s");
    }

    /**
     * Returns once every event the kernel made before this call has been read: a marker process
     * runs and its exec is awaited. The ring buffer keeps records in the order they were reserved,
     * so what a process that has already exited did is read before the marker's exec. Tests that
     * assert that something was not reported call this first, instead of sleeping.
     */
    public void drain() {
        try {
            Process marker = new ProcessBuilder("/bin/true").start();
            marker.waitFor();
            long pid = marker.pid();
            await("the marker's exec", e -> e.type() == dev.vigil.event.EventType.EXECVE && e.header().pid() == pid);
        } catch (IOException | InterruptedException e) {
            fail("marker: " + e);
        }
    }

    /** Every event matching `p` seen so far. */
    public List<Event> all(Predicate<Event> p) {
        return events.stream().filter(p).toList();
    }

    /** An event's header and own fields by name, as the JSON output names them. */
    public static Map<String, Object> fields(Event e) {
        Map<String, Object> m = new LinkedHashMap<>();
        FieldSink sink = FieldSink.into(m);
        e.header().fields(sink);
        e.fields(sink);
        return m;
    }

    /** Runs the trigger helper; returns its pid and what it printed. */
    public static Triggered trigger(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of("target/test-bin/trigger").toAbsolutePath().toString());
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            int rc = p.waitFor();
            if (rc != 0) {
                fail("trigger " + String.join(" ", args) + " exited " + rc);
            }
            return new Triggered((int) p.pid(), out);
        } catch (IOException | InterruptedException e) {
            return fail("trigger " + String.join(" ", args) + ": " + e);
        }
    }

    public record Triggered(int pid, String out) {
        public int outInt(int index) {
            return Integer.parseInt(out.split("\\s+")[index]);
        }
    }
}
