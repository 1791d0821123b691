package dev.vigil.bpf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A program's run count and total run time as the kernel keeps them (the fdinfo of its fd). The
 * kernel gives averages only: no distribution, so no percentile can be derived from it.
 */
public record RunStats(String program, long runs, long runTimeNs) {
    private static final Path SWITCH = Path.of("/proc/sys/kernel/bpf_stats_enabled");

    static RunStats ofFd(String program, int fd) {
        long runs = 0, ns = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
                if (line.startsWith("run_cnt:")) {
                    runs = Long.parseLong(line.substring(8).trim());
                } else if (line.startsWith("run_time_ns:")) {
                    ns = Long.parseLong(line.substring(12).trim());
                }
            }
        } catch (IOException | NumberFormatException unreadable) {
            // zeros: not counted
        }
        return new RunStats(program, runs, ns);
    }

    /** What ran between `before` and this. */
    public RunStats since(RunStats before) {
        return new RunStats(program, runs - before.runs, runTimeNs - before.runTimeNs);
    }

    public double averageNs() {
        return runs == 0 ? 0 : (double) runTimeNs / runs;
    }

    /**
     * Turns the kernel's run-time accounting on; it costs two clock reads per program run, so it is
     * on only while measuring. Returns whether it was already on, for {@link #restore}.
     */
    public static boolean enable() throws IOException {
        boolean was = Files.readString(SWITCH).trim().equals("1");
        Files.writeString(SWITCH, "1");
        return was;
    }

    public static void restore(boolean wasOn) throws IOException {
        Files.writeString(SWITCH, wasOn ? "1" : "0");
    }
}
