package dev.vigil.bench;

import dev.vigil.agent.RulePaths;
import dev.vigil.detect.Engine;
import dev.vigil.detect.EventMaps;
import dev.vigil.detect.RuleLoader;
import dev.vigil.detect.RuleSet;
import dev.vigil.enrich.EnrichedEvent;
import dev.vigil.enrich.Enricher;
import dev.vigil.enrich.ProcessCache;
import dev.vigil.event.PidTree;
import dev.vigil.sensor.RecordDecoder;
import dev.vigil.sensor.SampleRecords;
import dev.vigil.store.Store;
import dev.vigil.store.StoreWriter;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The agent's userspace cost per exec without the kernel: the exec record as the ring buffer
 * hands it over (the default hooks send no fork or exit record), through each stage of the event path in turn (decoding, enrichment, the
 * rules' form, the stock pack; then the store's row, its JSON included, on the writer's thread), in
 * this JVM with the agent's options. Each stage's figure is the CPU of the stages up to it minus
 * the stages before. The path runs hot here; live, each drain of the ring starts from cold caches,
 * so the agent's CPU per exec under a workload is higher (docs/benchmarks.md). The kernel's exec
 * path on a VM varies several times between days; this figure varies far less, so it is the one to
 * compare changes of the userspace path by.
 */
final class UserspaceBench {

    private UserspaceBench() {}

    /** One exec's record, made once and decoded afresh each pass as the sensor does. */
    private record Records(MemorySegment exec) {}

    static void run(PrintStream out, boolean smoke) throws Exception {
        int execs = smoke ? 1_000 : 20_000;
        RuleSet rules = RuleLoader.load(List.of(RulePaths.stockPack()));
        try (Arena arena = Arena.ofConfined()) {
            List<Records> records = records(arena, 4_096);
            String[] stages = {"decode", "enrich", "rules' form", "rules (stock pack)"};
            double[] cumulative = new double[stages.length];
            for (int round = 0; round < 3; round++) { // the first rounds compile the path; the last one counts
                for (int s = 0; s < stages.length; s++) {
                    cumulative[s] = perExec(records, s, rules, execs);
                }
            }
            StoreRow store = storePerExec(records, execs);
            out.println("agent userspace CPU per exec (no kernel: the exec record through each stage; target total <= 15 us):");
            double before = 0;
            for (int s = 0; s < stages.length; s++) {
                out.printf("  %-20s %6.1f us%n", stages[s], cumulative[s] - before);
                before = cumulative[s];
            }
            out.printf("  %-20s %6.1f us (the writer's thread: the event's JSON and its rows; the row's JSON %.0f bytes of the event's %.0f)%n",
                    "store row", store.cpuUs(), store.rowBytes(), store.eventBytes());
            out.printf("  %-20s %6.1f us%n", "total", before + store.cpuUs());
        }
    }

    private static List<Records> records(Arena arena, int n) {
        List<String> env = List.of("PATH=/home/build/.local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "HOME=/home/build", "LANG=C.UTF-8", "SHELL=/bin/bash", "PWD=/home/build/src", "TERM=xterm-256color", "USER=build",
                "LOGNAME=build", "SHLVL=2", "OLDPWD=/home/build", "MAKEFLAGS=-j2 --jobserver-auth=3,4", "MAKELEVEL=1", "MFLAGS=-j2",
                "CC=cc", "CFLAGS=-O2 -g -Wall", "XDG_RUNTIME_DIR=/run/user/1000", "XDG_SESSION_ID=4",
                "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus", "MAIL=/var/mail/build", "EDITOR=vim", "PAGER=less",
                "LESSOPEN=| /usr/bin/lesspipe %s", "JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64", "GOPATH=/home/build/go",
                "LS_COLORS=rs=0:di=01;34:ln=01;36:mh=00:pi=40;33:so=01;35:do=01;35:bd=40;33;01:cd=40;33;01:or=40;31;01:mi=00:su=37;41:"
                        + "sg=30;43:ca=00:tw=30;42:ow=34;42:st=37;44:ex=01;32:*.tar=01;31:*.tgz=01;31:*.arc=01;31:*.arj=01;31:*.taz=01;31:"
                        + "*.lha=01;31:*.lz4=01;31:*.lzh=01;31:*.lzma=01;31:*.tlz=01;31:*.txz=01;31:*.tzo=01;31:*.t7z=01;31:*.zip=01;31:"
                        + "*.z=01;31:*.dz=01;31:*.gz=01;31:*.lrz=01;31:*.lz=01;31:*.lzo=01;31:*.xz=01;31:*.zst=01;31:*.tzst=01;31:"
                        + "*.bz2=01;31:*.bz=01;31:*.tbz=01;31:*.tbz2=01;31:*.tz=01;31:*.deb=01;31:*.rpm=01;31:*.jar=01;31:*.war=01;31:"
                        + "*.ear=01;31:*.sar=01;31:*.rar=01;31:*.alz=01;31:*.ace=01;31:*.zoo=01;31:*.cpio=01;31:*.7z=01;31:*.rz=01;31:",
                "_=/usr/bin/make");
        List<Records> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int pid = (1 << 23) + i;
            long start = 1_000_000L + i;
            var exec = SampleRecords.exec(arena, new SampleRecords.Exec(pid, start, "cc", "/usr/bin/cc",
                    List.of("cc", "-O2", "-c", "src/file" + i + ".c", "-o", "obj/file" + i + ".o"), env, "/home/build/src", "make"));
            // as make runs a compiler: through a shell of its own, under make, the user's shell and the ssh session
            out.add(new Records(SampleRecords.withAncestry(exec, List.of(new PidTree.Node(pid, start, "cc"),
                    new PidTree.Node(pid - 1, start - 1, "sh"), new PidTree.Node(4_000, 900_000, "make"), new PidTree.Node(3_000, 800_000, "bash"),
                    new PidTree.Node(2_001, 700_000, "sshd"), new PidTree.Node(2_000, 600_000, "sshd"), new PidTree.Node(1, 1, "systemd")))));
        }
        return out;
    }

    /** CPU µs per exec of the stages 0..last. */
    private static double perExec(List<Records> records, int last, RuleSet rules, int execs) throws Exception {
        Engine engine = new Engine(rules, alert -> { }, Engine::lineageFromTree);
        Consumer<EnrichedEvent> downstream = en -> {
            if (last < 2) {
                return;
            }
            var map = EventMaps.of(en);
            if (last >= 3) {
                engine.accept(map);
            }
        };
        Enricher enricher = new Enricher(ProcessCache.empty(), downstream, "bench");
        RecordDecoder decoder = new RecordDecoder();
        long cpu = threadCpu();
        for (int i = 0; i < execs; i++) {
            Records r = records.get(i % records.size());
            var exec = decoder.decode(r.exec);
            if (last >= 1) {
                enricher.accept(exec);
            }
        }
        return (threadCpu() - cpu) / 1e3 / execs;
    }

    /** A store row's CPU (µs), the JSON it holds and the event's whole JSON (the sink's line), in bytes. */
    private record StoreRow(double cpuUs, double rowBytes, double eventBytes) {}

    /** The store's writer: the process's CPU per exec row (the writer's thread, and this thread's offers), into a database in memory. */
    private static StoreRow storePerExec(List<Records> records, int execs) throws Exception {
        List<EnrichedEvent> events = new ArrayList<>();
        Enricher enricher = new Enricher(ProcessCache.empty(), events::add, "bench");
        RecordDecoder decoder = new RecordDecoder();
        for (Records r : records) {
            enricher.accept(decoder.decode(r.exec));
        }
        double perRow = 0, rowBytes = 0;
        for (int round = 0; round < 3; round++) {
            try (Store store = Store.scratch()) {
                StoreWriter writer = new StoreWriter(store, Duration.ofDays(1), Long.MAX_VALUE);
                long cpu = processCpu();
                for (int i = 0; i < execs; i++) {
                    while (writer.lag() > 8_000) {
                        Thread.sleep(1); // the queue holds 16,384: never drop, so that every row is counted
                    }
                    writer.event(events.get(i % events.size()));
                }
                writer.close();
                perRow = (processCpu() - cpu) / 1e3 / execs;
                if (writer.dropped() > 0) {
                    throw new IllegalStateException("the store dropped " + writer.dropped() + " rows");
                }
                rowBytes = store.meanJsonBytes("execve");
            }
        }
        dev.vigil.sink.EventJson sink = new dev.vigil.sink.EventJson();
        double eventBytes = events.stream().mapToInt(e -> sink.write(e).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
                .average().orElse(0);
        return new StoreRow(perRow, rowBytes, eventBytes);
    }

    private static long threadCpu() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
