package dev.vigil.agent;

import dev.vigil.bpf.MemoryRing;
import dev.vigil.bpf.RingBuffer;
import dev.vigil.detect.Engine;
import dev.vigil.detect.EventMaps;
import dev.vigil.detect.RuleSet;
import dev.vigil.enrich.Enricher;
import dev.vigil.enrich.ProcessCache;
import dev.vigil.event.EventType;
import dev.vigil.sensor.MalformedRecordException;
import dev.vigil.sensor.RecordDecoder;
import dev.vigil.sensor.SampleRecords;
import dev.vigil.sink.EventJson;
import dev.vigil.store.Store;
import dev.vigil.store.StoreWriter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The event path (the ring buffer's reader, decoding, enrichment, the rule form, the rules, the
 * JSON, the store's writer) run on made-up records of a build (the shell, compiler, assembler and
 * linker each run, a file created, a temporary removed, the linker's output chmodded) before the
 * agent says ready, with instances of its own: the records go through a ring in memory read by the
 * live ring's reader, and no event reaches the cache, the rules' state, the store (the writer
 * writes into a database in memory) or any sink. Without it the JIT compiles that path during the
 * first workload after start, and a build started then paid for it (docs/benchmarks.md, round two:
 * the first 500 execs cost the agent 2.5 times what the next 500 did). It runs beside the kernel
 * programs' loading, on the other core.
 */
public final class WarmUp {
    /**
     * Passes for the JIT's first tier to compile the path. Its thresholds grow with its queue, which
     * is long while the agent starts, so now and then a method of the path is compiled only after
     * ready all the same (the decoder's exec in one cold build of six: docs/benchmarks.md).
     */
    static final int EXECS = 1_000;

    /** A program a build runs: its name, the path it is run by, its first arguments, its parent's name. */
    record Step(String comm, String exe, List<String> argv, String parent) {}

    /**
     * The programs of a C build in turn: rules bound to process names (shells, compilers) and the
     * fields they read are compiled before ready too, not only those an exec of cc meets.
     */
    static final List<Step> BUILD_STEPS = List.of(
            new Step("sh", "/bin/sh", List.of("/bin/sh", "-c"), "make"),
            new Step("cc", "/usr/bin/cc", List.of("cc", "-O2", "-c"), "sh"),
            new Step("cc1", "/usr/lib/gcc/x86_64-linux-gnu/12/cc1", List.of("/usr/lib/gcc/x86_64-linux-gnu/12/cc1", "-quiet"), "cc"),
            new Step("as", "/usr/bin/as", List.of("as", "--64"), "cc"),
            new Step("ld", "/usr/bin/ld", List.of("/usr/bin/ld", "-pie"), "collect2"));
    private static final Step[] BUILD = BUILD_STEPS.toArray(Step[]::new);

    private WarmUp() {}

    /** Runs it on a thread of its own; join the thread before saying ready. */
    public static Thread start(RuleSet rules) {
        return Thread.ofPlatform().name("vigil-warm-up").daemon().start(() -> {
            try {
                loadSegmentKinds();
                run(rules, EXECS);
            } catch (RuntimeException e) {
                System.err.println("vigil: warm-up skipped (" + Errors.oneLine(e) + "); the first events after ready cost more");
            }
        });
    }

    /**
     * Loads the JDK's heap memory segments before the warm-up compiles anything. The sensor's loading
     * makes its first one (an array copied into native memory) while the warm-up runs; until then
     * the JIT compiles segment reads for native segments only, and the first heap segment's class
     * invalidated that code: the decoder's whole path was thrown away (26 methods), then ran
     * interpreted and was compiled again during the first build after ready.
     */
    static void loadSegmentKinds() {
        MemorySegment.ofArray(new byte[1]).get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0);
    }

    /** The made-up records' ring: room for a step's records many times over. */
    private static final int RING_BYTES = 1 << 16;

    private static void write(MemoryRing ring, MemorySegment record) {
        if (!ring.write(record)) {
            throw new IllegalStateException("a made-up record of " + record.byteSize() + " bytes found the warm-up's ring full");
        }
    }

    /** What a warm-up ran: its engine, for its counts, the events past enrichment, and the rows its writer wrote and dropped. */
    record Ran(Engine engine, long events, long rowsWritten, long rowsDropped) {}

    static Ran run(RuleSet rules, int execs) {
        Engine engine = new Engine(rules, alert -> { }, Engine::lineageFromTree);
        EventJson json = new EventJson();
        Store scratch = scratchStore();
        StoreWriter store = scratch == null ? null : new StoreWriter(scratch, Duration.ofDays(1), Long.MAX_VALUE);
        long[] events = new long[1];
        Enricher enricher = new Enricher(ProcessCache.empty(), en -> {
            events[0]++;
            Map<String, Object> e = EventMaps.of(en);
            engine.accept(e);
            json.write(en);
            if (store != null) {
                store.gather(en); // as the sensor hands rows over: woken once per drain (below)
            }
        }, "warm-up");
        RecordDecoder decoder = new RecordDecoder();
        RingBuffer.Consumer deliver = rec -> {
            try {
                enricher.accept(decoder.decode(rec));
            } catch (MalformedRecordException e) {
                throw new IllegalStateException("a made-up record: " + e.getMessage(), e);
            }
        };
        List<String> env = List.of("PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/build", "LANG=C.UTF-8", "SHELL=/bin/bash",
                "PWD=/home/build/src", "TERM=xterm", "USER=build", "SHLVL=2", "OLDPWD=/home/build", "_=/usr/bin/true");
        try (Arena arena = Arena.ofConfined(); MemoryRing ring = new MemoryRing(RING_BYTES, deliver)) {
            for (int i = 0; i < execs; i++) {
                // pids outside the kernel's range (pid_max is at most 2^22): nothing here is anyone's process
                int pid = (1 << 23) + i;
                long start = 1_000_000L + i;
                Step step = BUILD[i % BUILD.length];
                String object = "warm-up" + i + ".o", source = "warm-up" + i + ".c";
                List<String> argv = new java.util.ArrayList<>(step.argv());
                argv.addAll(step.comm().equals("sh") ? List.of("cc -O2 -c -o " + object + " " + source) : List.of("-o", object, source));
                write(ring, SampleRecords.exec(arena, new SampleRecords.Exec(pid, start, step.comm(), step.exe(),
                        argv, env, "/home/build/src", step.parent())));
                // what the step does next: its output created, a temporary removed, and the linker's output made executable
                write(ring, SampleRecords.file(arena, EventType.CREATE_FILE.number(), pid, start, step.comm(), step.parent(),
                        "/home/build/src/" + object, 01101, 0644));
                write(ring, SampleRecords.file(arena, EventType.UNLINK.number(), pid, start, step.comm(), step.parent(),
                        "/home/build/src/warm-up" + i + ".s", 0, 0));
                if (step.comm().equals("ld")) {
                    write(ring, SampleRecords.file(arena, EventType.CHMOD.number(), pid, start, step.comm(), step.parent(),
                            "/home/build/src/warm-up" + i, 0, 0755));
                }
                ring.read(Integer.MAX_VALUE); // a step's records per drain, read by the live ring's reader
                if (ring.consumerFailures() > 0) {
                    throw new IllegalStateException(Errors.oneLine(ring.lastFailure()));
                }
                if (store != null && i % 4 == 3) {
                    store.wake();
                }
            }
        } finally {
            if (store != null) {
                try {
                    store.close(); // writes what is queued: the writer's thread compiles its path meanwhile
                    scratch.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (java.sql.SQLException e) {
                    // an in-memory database that fails to close is freed with its connection
                }
            }
        }
        return new Ran(engine, events[0], store == null ? 0 : store.written(), store == null ? 0 : store.dropped());
    }

    /** A store in memory for the warm-up's writes; null if SQLite cannot open one (the warm-up goes on without). */
    private static Store scratchStore() {
        try {
            return Store.scratch();
        } catch (java.sql.SQLException e) {
            return null;
        }
    }
}
