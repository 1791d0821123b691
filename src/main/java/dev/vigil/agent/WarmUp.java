package dev.vigil.agent;

import dev.vigil.detect.Engine;
import dev.vigil.detect.EventMaps;
import dev.vigil.detect.RuleSet;
import dev.vigil.enrich.Enricher;
import dev.vigil.enrich.ProcessCache;
import dev.vigil.sensor.MalformedRecordException;
import dev.vigil.sensor.RecordDecoder;
import dev.vigil.sensor.SampleRecords;
import dev.vigil.sink.EventJson;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The event path (decoding, enrichment, the rule form, the rules, the stored JSON) run on made-up
 * execs before the agent says ready, with instances of its own: no event reaches the cache, the
 * rules' state, the store or any sink. Without it the JIT compiles that path during the first
 * workload after start, and a build started then paid for it (docs/benchmarks.md, round two: the
 * first 500 execs cost the agent 2.5 times what the next 500 did). It runs beside the kernel
 * programs' loading, on the other core.
 */
public final class WarmUp {
    /** Enough passes for the JIT's first tier to have compiled every method on the path. */
    static final int EXECS = 1_000;

    private WarmUp() {}

    /** Runs it on a thread of its own; join the thread before saying ready. */
    public static Thread start(RuleSet rules) {
        return Thread.ofPlatform().name("vigil-warm-up").daemon().start(() -> {
            try {
                run(rules, EXECS);
            } catch (MalformedRecordException | RuntimeException e) {
                System.err.println("vigil: warm-up skipped (" + Errors.oneLine(e) + "); the first events after ready cost more");
            }
        });
    }

    /** The engine it ran, for its counts. */
    static Engine run(RuleSet rules, int execs) throws MalformedRecordException {
        Engine engine = new Engine(rules, alert -> { }, Engine::lineageFromTree);
        EventJson json = new EventJson();
        Enricher enricher = new Enricher(ProcessCache.empty(), en -> {
            engine.accept(EventMaps.of(en));
            json.write(en);
        }, "warm-up");
        RecordDecoder decoder = new RecordDecoder();
        List<String> env = List.of("PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/build", "LANG=C.UTF-8", "SHELL=/bin/bash",
                "PWD=/home/build/src", "TERM=xterm", "USER=build", "SHLVL=2", "OLDPWD=/home/build", "_=/usr/bin/true");
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < execs; i++) {
                // pids outside the kernel's range (pid_max is at most 2^22): nothing here is anyone's process
                MemorySegment rec = SampleRecords.exec(arena, new SampleRecords.Exec((1 << 23) + i, 1_000_000L + i, "true", "/usr/bin/true",
                        List.of("/usr/bin/true", "--warm-up", Integer.toString(i)), env, "/home/build/src", "make"));
                enricher.accept(decoder.decode(rec));
            }
        }
        return engine;
    }
}
