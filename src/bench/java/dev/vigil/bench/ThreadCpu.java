package dev.vigil.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** One living thread of a process as /proc shows it: its id, its name, and its CPU so far (ns). */
record ThreadCpu(String tid, String name, long ns) {
    /** The process's threads now; none once it is gone. */
    static List<ThreadCpu> of(long pid) {
        List<ThreadCpu> threads = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path t : tasks.toList()) {
                try {
                    threads.add(new ThreadCpu(t.getFileName().toString(), Files.readString(t.resolve("comm")).strip(), PeerBench.cpuNs(t.resolve("stat"))));
                } catch (IOException ended) {
                    // the thread ended between the listing and the reading
                }
            }
        } catch (IOException gone) {
            // the process ended
        }
        return threads;
    }
}
