package dev.vigil.bench;

import dev.vigil.integrity.CheckResult;
import dev.vigil.integrity.IntegrityScan;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a pass of the integrity checks costs: the first pass (symbols read, BPF loaded, sys_call_table
 * found) and the passes after it, as `vigil run` makes one every --integrity-interval, in CPU time of
 * this process and of the programs it starts (ls), against the target of 50 ms of CPU per pass; and
 * each check's median time.
 */
final class IntegrityBench {
    private IntegrityBench() {}

    static final double TARGET_CPU_MS = 50;

    static void run(PrintStream out, int rounds, boolean smoke) {
        int passes = smoke ? 3 : Math.max(5, rounds * 5);
        List<Double> cpu = new ArrayList<>();
        List<Double> wall = new ArrayList<>();
        Map<String, List<Double>> perCheck = new LinkedHashMap<>();
        try (IntegrityScan scan = new IntegrityScan()) {
            for (int i = 0; i < passes; i++) {
                long c0 = cpuNanos();
                long w0 = System.nanoTime();
                List<CheckResult> results = scan.run();
                wall.add((System.nanoTime() - w0) / 1e6);
                cpu.add((cpuNanos() - c0) / 1e6);
                if (i > 0) {
                    for (CheckResult r : results) {
                        perCheck.computeIfAbsent(r.check().id(), k -> new ArrayList<>()).add(r.nanos() / 1e6);
                    }
                }
            }
        }
        List<Double> warm = cpu.subList(1, cpu.size());
        out.printf("%nIntegrity checks: a pass of every check (%d passes; CPU of this process and of the ls it starts)%n", passes);
        out.printf("  %-34s %10s %10s %10s%n", "", "CPU ms", "wall ms", "target");
        out.printf("  %-34s %10.1f %10.1f %10s%n", "first pass (symbols, BPF load)", cpu.getFirst(), wall.getFirst(), "");
        out.printf("  %-34s %10.1f %10.1f %10s%n", "a pass after it (median)", median(warm), median(wall.subList(1, wall.size())),
                "<= " + (int) TARGET_CPU_MS + (median(warm) <= TARGET_CPU_MS ? " met" : " MISSED"));
        out.printf("  per check, median wall ms:%n");
        perCheck.forEach((check, ms) -> out.printf("    %-30s %8.2f%n", check, median(ms)));
    }

    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(Double::compare);
        return s.isEmpty() ? 0 : s.get(s.size() / 2);
    }

    /** This process's CPU time and that of its children it waited for (utime, stime, cutime, cstime of /proc/self/stat). */
    static long cpuNanos() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
            return ticks * 10_000_000L;
        } catch (Exception e) {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        }
    }
}
