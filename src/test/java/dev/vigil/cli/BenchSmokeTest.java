package dev.vigil.cli;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * `vigil bench --smoke`: every measure runs and prints a sane figure beside its target. Sane means
 * present and of the right sign, never a threshold: this is a noisy 2-core machine, and the
 * values themselves belong in docs/benchmarks.md.
 */
class BenchSmokeTest {
    @Test
    void everyMeasureRunsAndPrintsAFigure() throws Exception {
        String auditBefore = audit();
        List<String> cmd = new ArrayList<>(AgentProcess.javaCommand(StormTest.jvmOptions().toArray(String[]::new)));
        cmd.set(cmd.indexOf("dev.vigil.cli.Main"), "dev.vigil.bench.BenchMain"); // the benchmarks' own entry point
        cmd.add("--smoke");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("vigil bench --smoke did not finish: " + out);
        }
        System.err.println(out);
        assertEquals(0, p.exitValue(), out);
        for (String workload : List.of("build", "syscalls", "exec", "files", "connect")) {
            Matcher m = Pattern.compile("(?m)^" + workload + " .* (\\d+) ms +(\\d+) ms +(\\d+\\.\\d+) +(\\d+) ms +(\\d+\\.\\d+)$").matcher(out);
            assertTrue(m.find(), "a row for " + workload + ": " + out);
            assertTrue(Long.parseLong(m.group(1)) > 0 && Double.parseDouble(m.group(3)) > 0 && Double.parseDouble(m.group(5)) > 0, m.group());
        }
        positive(out, "BPF cost, exec workload \\(default hooks\\): (\\d+\\.\\d+) µs in BPF per fork\\+exec\\+exit.*target");
        assertTrue(Pattern.compile("interrupts to self on the host \\(IWI[^)]*\\): \\d+ in [\\d,]+").matcher(out).find(), "the ring's wakeups counted: " + out);
        positive(out, "BPF cost, connect workload \\(default hooks\\): (\\d+\\.\\d+) µs in BPF per connect.*target");
        positive(out, "pipeline: offered [\\d,]+ events/s, generated [\\d,]+/s: ([\\d,]+) delivered");
        assertTrue(out.contains("events/s through the rules with nothing lost in the kernel"), out);
        positive(out, "rule engine alone: ([\\d,]+) events/s over the stock pack .*target");
        positive(out, "rule engine: an exec of cc meets (\\d+) of the stock pack's \\d+ exec detections");
        positive(out, "store alone: ([\\d,]+) events/s written");
        positive(out, "(?m)^  total +(\\d+\\.\\d) us$"); // the agent's userspace CPU per exec, by stage
        positive(out, "k8s audit, rule engine on one thread: ([\\d,]+) events/s over Falco's k8saudit file");
        positive(out, "k8s audit, webhook end to end \\(vigil run, batches of 100, 2 clients\\): ([\\d,]+) events/s");
        assertTrue(out.contains("0 refused; Kubernetes audit: 20001 events received"), "every batch taken, the marker too: " + out);
        positive(out, "console: incident of 500 processes, graph of \\d+ nodes: API (\\d+) ms");
        positive(out, "agent: start to ready (\\d+) ms \\(target");
        assertTrue(out.matches("(?s).*agent: CPU idle \\d+\\.\\d ms per second.*"), out);
        positive(out, "agent: RSS idle (\\d+) MiB \\(target ≤ 96\\), at its peak under 100,000 events/s \\d+ MiB");
        positive(out, "agent: alert latency, kernel timestamp to the line read: p50 (\\d+\\.\\d) ms");
        positive(out, "peers: exec storm +(\\d+) ms");
        positive(out, "peers: build, cold +\\d+ ms(?: +\\d+\\.\\d+× +\\d+ ms cpu)* +(\\d+\\.\\d+)× +\\d+ ms cpu");
        positive(out, "peers: vigil's own CPU per exec in the storm .*: (\\d+) µs");
        assertTrue(Pattern.compile("peers: vigil's CPU by thread .*: build, cold: sensor \\d+, store \\d+, integrity \\d+, compilers \\d+, jvm \\d+, other \\d+;")
                .matcher(out).find(), "Vigil's CPU by thread: " + out);
        positive(out, "peers: vigil against its own targets: build, cold (\\d+\\.\\d+)× \\([^)]+\\) ≤ 1\\.05: (?:met|undecided|not met)");
        if (out.contains("peers: vigil's time against")) { // printed where auditd or execsnoop could run
            positive(out, "peers: vigil's time against [a-z ]+'s in the same round .*: build, cold (?:below|level|above) \\([a-z]+ (\\d+\\.\\d+)×");
        }
        assertEquals(auditBefore, audit(), "the bench's auditd run leaves the host's audit settings and rules as they were");
        positive(out, "fleet: sample: ([\\d,]+) events of the bench's workloads, recorded by the sensor");
        for (String format : new String[] {"JSON", "Smile", "CBOR"}) {
            positive(out, "fleet: {3}" + format + " +(\\d+) +\\d+ +\\d+ +[\\d,]+ +[\\d,]+ +\\d+");
        }
        positive(out, "fleet: {3}with the agent's settings \\(zstd.*\\): (\\d+) bytes per event");
        positive(out, "fleet: 1 server: ([\\d,]+) events/s from Kafka.*; ([\\d,]+) events per CPU-second.*target");
        positive(out, "fleet: 2 servers: ([\\d,]+) events/s from Kafka");
        positive(out, "fleet: {3}the first half of the events ([\\d,]+) per CPU-second, the second [\\d,]+ .*: store \\d+\\.\\d, consumer \\d+\\.\\d, collector");
    }

    /** Whether auditing is on and which rules are loaded ("" where auditctl is not installed). */
    private static String audit() throws Exception {
        if (!java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/sbin/auditctl"))) {
            return "";
        }
        Process p = new ProcessBuilder("sh", "-c", "auditctl -s | grep '^enabled'; auditctl -l").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    private static void positive(String out, String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        assertTrue(m.find(), "no line matching " + regex + " in:\n" + out);
        assertTrue(Double.parseDouble(m.group(1).replace(",", "")) > 0, m.group());
    }
}
