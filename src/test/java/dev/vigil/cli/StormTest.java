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
 * could not take is counted in its summary. A bound on memory, not a timing.
 */
class StormTest {
    /** The JVM's own limits (jvm.options: 256 MiB heap, 128 MiB metaspace, 64 MiB code) plus native and ring buffer. */
    private static final long RSS_BOUND_KB = 640L * 1024;

    static List<String> jvmOptions() throws Exception {
        return Files.readAllLines(Path.of("jvm.options")).stream().map(String::strip)
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
}
