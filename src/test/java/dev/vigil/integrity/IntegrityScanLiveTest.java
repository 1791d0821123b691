package dev.vigil.integrity;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Passes of the checks on this host: every kernel check runs here and is clean; a storm of short
 * processes and threads during the passes hides nothing; a preloaded library that interposes
 * nothing is no hider, one that wraps readdir is.
 */
class IntegrityScanLiveTest {
    static final Path TEST_BIN = Path.of("target", "test-bin").toAbsolutePath();

    @Test
    void everyKernelCheckRunsHereAndIsClean() {
        IntegrityBpfTest.requireRoot();
        try (IntegrityScan scan = new IntegrityScan()) {
            List<CheckResult> results = scan.run();
            assertEquals(IntegrityCheck.values().length, results.size());
            for (CheckResult r : results) {
                switch (r.check()) {
                    case HIDDEN_MODULES -> assertTrue(r.outcome() == CheckResult.Outcome.CLEAN
                            || r.note().contains("no module support"), r.toString());
                    default -> assertEquals(CheckResult.Outcome.CLEAN, r.outcome(), r.toString());
                }
                assertTrue(!r.note().isBlank(), "every check says what it covered or why it could not run: " + r);
            }
            List<CheckResult> again = scan.run();
            // x64_sys_call as at the first pass, and every check run again (kallsyms is read afresh by each pass)
            assertEquals(results.stream().map(CheckResult::outcome).toList(), again.stream().map(CheckResult::outcome).toList(), again.toString());
        }
    }

    /**
     * The agent waits in the pace for a quiet host: asked before each step but the three on the
     * hidden-process check's snapshot, and between pieces of kallsyms' read; a stop ends the pass
     * with the checks done before it.
     */
    @Test
    void aPaceIsAskedBeforeEachStepAndEndsThePassWhereItSaysStop() throws Exception {
        IntegrityBpfTest.requireRoot();
        try (IntegrityScan scan = new IntegrityScan()) {
            AtomicInteger asked = new AtomicInteger();
            List<CheckResult> all = scan.run(() -> asked.incrementAndGet() > 0);
            assertEquals(IntegrityCheck.values().length, all.size());
            int steps = 2 + IntegrityCheck.values().length - 3;
            long pieces = java.nio.file.Files.readAllBytes(Path.of("/proc/kallsyms")).length / KernelSymbols.PACED_BYTES;
            assertTrue(asked.get() >= steps + pieces - 1 && asked.get() <= steps + pieces + 1,
                    asked.get() + " times asked: the symbols, the reader, " + (steps - 2) + " checks and about " + pieces + " pieces of kallsyms");
            int late = asked.get() - 1;
            asked.set(0);
            List<CheckResult> cut = scan.run(() -> asked.incrementAndGet() < late);
            assertTrue(cut.size() >= IntegrityCheck.values().length / 2 && cut.size() < all.size(), cut.toString());
            assertEquals(all.subList(0, cut.size()).stream().map(CheckResult::check).toList(), cut.stream().map(CheckResult::check).toList());
            assertTrue(scan.run(() -> false).isEmpty());
        }
    }

    @Test
    void aStormOfShortProcessesAndThreadsHidesNothing() throws Exception {
        IntegrityBpfTest.requireRoot();
        AtomicBoolean storming = new AtomicBoolean(true);
        Process processes = new ProcessBuilder("bash", "-c", "for i in $(seq 10000); do /bin/true & if (( i % 50 == 0 )); then wait; fi; done; wait")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Thread threads = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 10_000 && storming.get(); i++) {
                Thread t = Thread.ofPlatform().start(() -> { });
                try {
                    t.join();
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        int passes = 0;
        try (IntegrityScan scan = new IntegrityScan()) {
            while (processes.isAlive() || passes < 3) {
                CheckResult hidden = scan.run().stream().filter(r -> r.check() == IntegrityCheck.HIDDEN_PROCESSES).findFirst().orElseThrow();
                assertNotEquals(CheckResult.Outcome.FOUND, hidden.outcome(), hidden.toString());
                passes++;
            }
        } finally {
            storming.set(false);
            threads.join();
            processes.destroy();
            processes.waitFor(30, TimeUnit.SECONDS);
        }
        assertTrue(passes >= 3, "passes during the storm: " + passes);
    }

    @Test
    void aPreloadThatInterposesNothingIsNoHiderAndAReaddirWrapperIs() throws Exception {
        IntegrityBpfTest.requireRoot();
        Path quiet = TEST_BIN.resolve("libvigil-quiet.so");
        Path hider = TEST_BIN.resolve("libvigil-hider.so");
        Process ordinary = preloaded(quiet);
        Process hiding = preloaded(hider);
        try (IntegrityScan scan = new IntegrityScan()) {
            CheckResult r = scan.run().stream().filter(x -> x.check() == IntegrityCheck.PRELOAD_HIDERS).findFirst().orElseThrow();
            assertEquals(List.of((int) hiding.pid()), r.findings().stream().map(Finding::pid).toList(), r.toString());
            assertEquals(List.of("readdir", "readdir64"), r.findings().getFirst().symbols());
            assertEquals(null, scan.preloadedAtExec((int) ordinary.pid(), "sleep", "/usr/bin/sleep", quiet.toString()));
        } finally {
            ordinary.destroy();
            hiding.destroy();
            ordinary.waitFor(10, TimeUnit.SECONDS);
            hiding.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Process preloaded(Path library) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("/bin/sleep", "600").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("LD_PRELOAD", library.toString());
        return pb.start();
    }
}
