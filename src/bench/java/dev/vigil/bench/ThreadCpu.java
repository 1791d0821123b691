package dev.vigil.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One living thread of a process as /proc shows it: its id, its name, and its CPU so far (ns), read
 * from the scheduler's own count (schedstat) rather than stat's 10 ms ticks: a 150-exec storm costs
 * the agent about one tick, which stat reads as 0 or 10 ms by chance.
 */
record ThreadCpu(String tid, String name, long ns) {
    /** The process's threads now; none once it is gone. */
    static List<ThreadCpu> of(long pid) {
        List<ThreadCpu> threads = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path t : tasks.toList()) {
                try {
                    threads.add(new ThreadCpu(t.getFileName().toString(), Files.readString(t.resolve("comm")).strip(), ns(t)));
                } catch (IOException ended) {
                    // the thread ended between the listing and the reading
                }
            }
        } catch (IOException gone) {
            // the process ended
        }
        return threads;
    }

    /** The thread's time on a CPU (ns): schedstat's first field, or stat's ticks where the kernel keeps no schedstat. */
    private static long ns(Path task) throws IOException {
        try {
            String schedstat = Files.readString(task.resolve("schedstat"));
            return Long.parseLong(schedstat.substring(0, schedstat.indexOf(' ')));
        } catch (java.nio.file.NoSuchFileException | RuntimeException noSchedstat) {
            return PeerBench.cpuNs(task.resolve("stat"));
        }
    }
}
