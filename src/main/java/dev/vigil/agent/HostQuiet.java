package dev.vigil.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Waits for a quiet spell on the host: the share of all CPUs busy over a window (from the first line
 * of /proc/stat) below a quarter. Background work the agent can choose the time of (an integrity
 * pass: a few hundred ms of CPU at start) waits for a quiet second before it starts and a quiet
 * quarter second before each of its steps, at most until a deadline, so that an agent started
 * beside a build or a deploy does not take the cores from it (docs/benchmarks.md, round two: the
 * cold build, and integrity passes that give way).
 */
final class HostQuiet {
    static final double BUSY_BELOW = 0.25;
    private static final Path STAT = Path.of("/proc/stat");

    private HostQuiet() {}

    /** Returns once a second was quiet or `longest` passed; false if `stop` came first. */
    static boolean await(Duration longest, CountDownLatch stop) throws InterruptedException {
        return await(System.nanoTime() + longest.toNanos(), stop, Duration.ofSeconds(1));
    }

    /** Returns once a `window` was quiet or the clock (System.nanoTime) passed `deadline`; false if `stop` came first. */
    static boolean await(long deadline, CountDownLatch stop, Duration window) throws InterruptedException {
        long[] before = ticks();
        while (System.nanoTime() < deadline) {
            if (stop.await(window.toNanos(), TimeUnit.NANOSECONDS)) {
                return false;
            }
            long[] now = ticks();
            if (before == null || now == null || quiet(before, now)) {
                return true; // without /proc/stat there is nothing to wait for
            }
            before = now;
        }
        return stop.getCount() > 0;
    }

    /** Whether the CPUs were busy less than {@link #BUSY_BELOW} of the time between two readings of {total, idle}. */
    static boolean quiet(long[] before, long[] now) {
        long total = now[0] - before[0], idle = now[1] - before[1];
        return total <= 0 || (total - idle) < BUSY_BELOW * total;
    }

    /** {all ticks, idle + iowait ticks} of the machine, or null when /proc/stat cannot be read. */
    static long[] ticks() {
        try {
            String first = Files.readString(STAT).lines().findFirst().orElse("");
            String[] f = first.trim().split("\\s+");
            if (f.length < 6 || !f[0].equals("cpu")) {
                return null;
            }
            long total = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) { // user nice system idle iowait irq softirq steal; guest is in user
                total += Long.parseLong(f[i]);
            }
            return new long[] {total, Long.parseLong(f[4]) + Long.parseLong(f[5])};
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }
}
