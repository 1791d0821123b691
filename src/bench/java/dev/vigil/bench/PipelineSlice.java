package dev.vigil.bench;

import dev.vigil.detect.Engine;
import dev.vigil.detect.EventMaps;
import dev.vigil.detect.RuleLoader;
import dev.vigil.enrich.Enricher;
import dev.vigil.enrich.ProcessCache;
import dev.vigil.event.EventType;
import dev.vigil.event.PidTree;
import dev.vigil.sensor.RecordDecoder;
import dev.vigil.sensor.SampleRecords;
import dev.vigil.store.Store;
import dev.vigil.store.StoreWriter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * The agent's per-event path, as `vigil run` takes a build's records: decoded, enriched, the rules'
 * form, the stock pack, the store's row (its writer on its own thread, into a database in memory).
 * Loaded once per jar being compared ({@link AgainstBench}), each copy linked to its own jar's
 * classes: only the Vigil API both jars share is used here, and no other bench class (so its
 * records are made here rather than by {@link UserspaceBench}'s: that class is not in the jars). {@code accept(n)} takes the next `n`
 * records through and returns once the store has committed them.
 */
public final class PipelineSlice implements IntConsumer, AutoCloseable {
    private final List<MemorySegment> records = new ArrayList<>();
    private final RecordDecoder decoder = new RecordDecoder();
    private final Store db;
    private final StoreWriter store;
    private final Enricher enricher;
    private int next;
    private long taken;

    public PipelineSlice(String rules) throws Exception {
        Engine engine = new Engine(RuleLoader.load(List.of(Path.of(rules))), alert -> { }, Engine::lineageFromTree);
        db = Store.scratch();
        store = new StoreWriter(db, Duration.ofDays(1), Long.MAX_VALUE);
        enricher = new Enricher(ProcessCache.empty(), en -> {
            engine.accept(EventMaps.of(en));
            store.gather(en);
        }, "bench");
        List<String> env = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            env.add("VAR" + i + "=/home/build/some/value/" + i);
        }
        Arena arena = Arena.ofAuto();
        for (int i = 0; i < 2048; i++) { // as a build: a compiler under a shell under make, its object created and a temporary removed
            int pid = (1 << 23) + i;
            long start = 1_000_000L + i;
            var exec = SampleRecords.exec(arena, new SampleRecords.Exec(pid, start, "cc", "/usr/bin/cc",
                    List.of("cc", "-O2", "-c", "src/file" + i + ".c", "-o", "obj/file" + i + ".o"), env, "/home/build/src", "sh"));
            records.add(SampleRecords.withAncestry(exec, List.of(new PidTree.Node(pid, start, "cc"), new PidTree.Node(pid - 1, start - 1, "sh"),
                    new PidTree.Node(4_000, 900_000, "make"), new PidTree.Node(3_000, 800_000, "bash"), new PidTree.Node(2_001, 700_000, "sshd"),
                    new PidTree.Node(2_000, 600_000, "sshd"), new PidTree.Node(1, 1, "systemd"))));
            if (i % 5 == 0) {
                records.add(SampleRecords.file(arena, EventType.CREATE_FILE.number(), pid, start, "cc", "sh", "/home/build/src/obj/file" + i + ".o", 01101, 0644));
                records.add(SampleRecords.file(arena, EventType.UNLINK.number(), pid, start, "cc", "sh", "/tmp/cc" + i + ".s", 0, 0));
            }
        }
    }

    @Override
    public void accept(int n) {
        try {
            for (int i = 0; i < n; i++) {
                enricher.accept(decoder.decode(records.get(next++ % records.size())));
                if (i % 40 == 39) { // a drain's worth, as the sensor wakes the writer
                    store.wake();
                }
            }
            store.wake();
            taken += n;
            while (store.written() + store.dropped() < taken) { // committed: the writer's work for these is done
                Thread.sleep(1);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops the store's writer and drops its database. */
    @Override
    public void close() throws Exception {
        store.close();
        db.close();
    }
}
