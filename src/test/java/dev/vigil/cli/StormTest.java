package dev.vigil.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 'vigil run --hooks all' under an event storm (exec and file loops on every core, with a rule that
 * fires on every exec): its resident memory stays under a bound, it keeps running, and what it
 * could not take is counted in its summary. A bound on memory, not a timing. And under a flood of
 * file events from a few processes, the rate limit holds them back, the suppression is counted and
 * alerted, and a quiet process's events all get through, during the flood and after it. The
 * agent falling behind is made certain, not hoped for: it is stopped (SIGSTOP) for two seconds
 * of the flood, as a starved agent would be, so the ring buffer fills whatever the machine's speed.
 */
class StormTest {
    /** The JVM's own limits (jvm.options: 256 MiB heap, 128 MiB metaspace, 64 MiB code) plus native and ring buffer. */
    private static final long RSS_BOUND_KB = 640L * 1024;

    static List<String> jvmOptions() throws Exception {
        return options("jvm.options");
    }

    /** What ./vigil runs `vigil server` with. */
    static List<String> serverJvmOptions() throws Exception {
        return options("server.jvm.options");
    }

    private static List<String> options(String file) throws Exception {
        return Files.readAllLines(Path.of(file)).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    private static long rssKb(long pid) throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("\\D", ""));
            }
        }
        return 0;
    }

    /** utime + stime of the process, in clock ticks: reported, not asserted (CPU time is a timing). */
    private static long cpuTicks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    @Test
    void memoryStaysBoundedAndLossesAreCounted() throws Exception {
        Path rules = Files.createTempFile("vigil-storm", ".yaml");
        Files.writeString(rules, "- rule: every exec\n  condition: evt.type = execve\n  output: \"%proc.cmdline\"\n  priority: DEBUG\n");
        Path work = Files.createTempDirectory("vigil-storm");
        long peak = 0;
        try (AgentProcess agent = AgentProcess.start(jvmOptions(), "--hooks", "all", "--fold", "0", "--add-rules", "--rules", rules.toString())) {
            String loop = "end=$(($(date +%s)+12)); i=0; while [ $(date +%s) -lt $end ]; do i=$((i+1)); /bin/true; : > " + work
                    + "/f$i; mv " + work + "/f$i " + work + "/g$i; rm -f " + work + "/g$i; done";
            List<Process> storm = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                storm.add(new ProcessBuilder("/bin/sh", "-c", loop).redirectErrorStream(true).start());
            }
            while (storm.stream().anyMatch(Process::isAlive)) {
                peak = Math.max(peak, rssKb(agent.pid()));
                Thread.sleep(200);
            }
            peak = Math.max(peak, rssKb(agent.pid()));
            long cpu = cpuTicks(agent.pid());
            assertTrue(agent.process.isAlive(), "the agent survived the storm");
            assertEquals(0, agent.stop());
            String summary = agent.awaitStderr(l -> l.matches("vigil: \\d+ events .*; lost \\d+ \\(ringbuf_full \\d+.*"));
            System.err.println("StormTest: peak RSS " + peak / 1024 + " MiB, agent CPU " + cpu * 10 + " ms, " + agent.alerts.size()
                    + " alerts; " + summary);
            assertTrue(agent.alerts.size() > 1000, "the rule kept firing through the storm: " + agent.alerts.size());
        }
        assertTrue(peak > 0 && peak < RSS_BOUND_KB, "peak RSS " + peak / 1024 + " MiB, bound " + RSS_BOUND_KB / 1024 + " MiB");
    }

    /** Creates and removes files in `dir` as fast as Python can, until killed. */
    private static final String FLOOD = """
            import os, sys
            d = sys.argv[1]
            while True:
                for i in range(1000):
                    p = d + "/f" + str(i)
                    os.close(os.open(p, os.O_CREAT | os.O_WRONLY, 0o600))
                    os.unlink(p)
            """;

    @Test
    void aFloodIsRateLimitedAndTheQuietStillGetThrough() throws Exception {
        Path work = Files.createTempDirectory("vigil-flood");
        Path rules = work.resolve("quiet.yaml");
        Files.writeString(rules, "- rule: quiet file\n  condition: evt.type = create_file and fd.name contains vigil-quiet-\n"
                + "  output: \"%fd.name\"\n  priority: WARNING\n");
        List<Process> flood = new ArrayList<>();
        try (AgentProcess agent = AgentProcess.start(jvmOptions(), "--hooks", "all", "--fold", "0", "--rate-limit", "500",
                "--data", work.resolve("data").toString(), "--no-console", "--rules", rules.toString())) {
            for (int i = 0; i < 3; i++) {
                Path dir = Files.createDirectory(work.resolve("flood" + i));
                flood.add(new ProcessBuilder("python3", "-c", FLOOD, dir.toString()).redirectErrorStream(true).start());
            }
            Thread.sleep(500);
            agent.signal("STOP");
            List<String> quiet = new ArrayList<>();
            try {
                for (int i = 0; i < 10; i++) {
                    quiet.add(Files.createFile(work.resolve("vigil-quiet-" + i)).toString());
                    Thread.sleep(200);
                }
            } finally {
                agent.signal("CONT");
            }
            var health = agent.await("Vigil lost events", a -> a.path("suppressed").asLong() > 0);
            flood.forEach(Process::destroy);
            for (Process p : flood) {
                p.waitFor();
            }
            quiet.add(Files.createFile(work.resolve("vigil-quiet-after")).toString());
            for (String q : quiet) {
                agent.await("quiet file", a -> a.get("output").asText().equals(q));
            }
            assertEquals(0, agent.stop());
            String summary = agent.awaitStderr(l -> l.matches("vigil: \\d+ events .*; suppressed \\d+ \\(rate_limited\\).*"));
            System.err.println("StormTest: " + health.get("output").asText() + "; " + summary);
            assertTrue(summary.contains("rate_limited="), "suppression is counted by hook: " + summary);
        } finally {
            flood.forEach(Process::destroyForcibly);
        }
    }
}
