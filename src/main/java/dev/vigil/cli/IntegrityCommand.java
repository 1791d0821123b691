package dev.vigil.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.bpf.NotSupportedException;
import dev.vigil.integrity.CheckResult;
import dev.vigil.integrity.Finding;
import dev.vigil.integrity.IntegrityScan;
import dev.vigil.sensor.KernelSupport;
import dev.vigil.sink.Escape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code vigil integrity}: one pass of every rootkit and integrity check now, each with its result,
 * what it covered and its time; a check this kernel cannot run says why. Exit 1 when anything was
 * found, so that a cron job or a responder's script can act on it.
 */
@Command(name = "integrity", description = "Run every rootkit and kernel integrity check now (root): the syscall table and dispatcher, inline hooks,"
        + " the IDT, /proc's file operations, hidden modules, ftrace callbacks, hidden processes, preload hiders, fake kernel threads,"
        + " deleted executables, mounts over /proc/PID. Exit 1 when something was found.")
final class IntegrityCommand implements Callable<Integer> {
    @Option(names = "--json", description = "One JSON document: every check, its outcome, note, time and findings.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (!KernelSupport.isRoot()) {
            throw new NotSupportedException("root", "the integrity checks read kernel memory through BPF and every process's /proc files: run as root");
        }
        long cpu0 = cpuNanos();
        List<CheckResult> results;
        try (IntegrityScan scan = new IntegrityScan()) {
            results = scan.run();
        }
        long cpu = cpuNanos() - cpu0;
        boolean found = results.stream().anyMatch(r -> r.outcome() == CheckResult.Outcome.FOUND);
        if (json) {
            List<Map<String, Object>> checks = new ArrayList<>();
            for (CheckResult r : results) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("check", r.check().id());
                m.put("outcome", r.outcome().name().toLowerCase(java.util.Locale.ROOT));
                m.put("note", r.note());
                m.put("ms", r.nanos() / 1e6);
                m.put("findings", r.findings().stream().map(IntegrityCommand::describe).toList());
                checks.add(m);
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("checks", checks);
            doc.put("cpu_ms", cpu / 1e6);
            System.out.println(new ObjectMapper().writeValueAsString(doc));
        } else {
            System.out.printf("%-20s %-13s %9s  %s%n", "CHECK", "RESULT", "MS", "COVERED / WHY NOT");
            for (CheckResult r : results) {
                String outcome = switch (r.outcome()) {
                    case CLEAN -> "clean";
                    case FOUND -> r.findings().size() + " found";
                    case NOT_RUNNABLE -> "not runnable";
                };
                System.out.printf("%-20s %-13s %9.1f  %s%n", r.check().id(), outcome, r.nanos() / 1e6, Escape.line(r.note()));
            }
            for (CheckResult r : results) {
                for (Finding f : r.findings()) {
                    System.out.println("FOUND " + r.check().id() + ": " + Escape.line(f.detail())
                            + (f.address() != 0 ? " (0x" + Long.toHexString(f.address()) + ", " + Escape.line(f.owner()) + ")" : ""));
                }
            }
            System.out.printf("one pass: %.1f ms of CPU%n", cpu / 1e6);
        }
        return found ? 1 : 0;
    }

    static Map<String, Object> describe(Finding f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("subject", f.subject());
        if (f.address() != 0) {
            m.put("address", "0x" + Long.toHexString(f.address()));
            m.put("owner", f.owner());
        }
        if (f.pid() != 0) {
            m.put("pid", f.pid());
            m.put("comm", f.comm());
            m.put("exe", f.exe());
        }
        if (!f.symbols().isEmpty()) {
            m.put("symbols", f.symbols());
        }
        m.put("detail", f.detail());
        return m;
    }

    /** This process's CPU time (user + system, every thread). */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
