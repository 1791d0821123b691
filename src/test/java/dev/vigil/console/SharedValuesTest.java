package dev.vigil.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.vigil.enrich.EnrichedEvent;
import dev.vigil.enrich.Enricher;
import dev.vigil.enrich.ProcessCache;
import dev.vigil.event.EventType;
import dev.vigil.event.PidTree;
import dev.vigil.sensor.RecordDecoder;
import dev.vigil.sensor.SampleRecords;
import dev.vigil.sink.EventJson;
import dev.vigil.store.Store;
import dev.vigil.store.StoreWriter;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store keeps each environment and capability set once: execs that share them come back from
 * the store exactly as the JSON sink writes them, hostile text included, and the values are rows
 * of their own rather than copies in every event. A live exit ends its process's row.
 */
class SharedValuesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<String> names(JsonNode event) {
        List<String> out = new ArrayList<>();
        event.fieldNames().forEachRemaining(out::add);
        return out;
    }

    /**
     * What a row leaves out (empty values, fields the others give) comes back in its place, for every
     * file and task event type: a type whose own code wrote a field twice or left one out when empty
     * reads back as the sink wrote it.
     */
    @Test
    void everyFileAndTaskEventComesBackAsTheSinkWroteIt() throws Exception {
        List<EnrichedEvent> events = new ArrayList<>();
        Enricher enricher = new Enricher(ProcessCache.empty(), events::add, "h");
        RecordDecoder decoder = new RecordDecoder();
        try (Arena arena = Arena.ofConfined()) {
            int pid = 1 << 22;
            for (EventType t : EventType.values()) {
                String record = t.def().record();
                for (long arg : new long[] {0, 9, pid}) {
                    pid++;
                    if (record.equals("file_event")) {
                        enricher.accept(decoder.decode(SampleRecords.file(arena, t.number(), pid, 5_000L + pid, "x<y\"z", "",
                                arg == 0 ? "" : "/etc/shadow\u001b[31m", arg, (int) arg)));
                    } else if (record.equals("task_event") && t != EventType.EXIT) {
                        enricher.accept(decoder.decode(SampleRecords.task(arena, t.number(), pid, 1, 5_000L + pid, "", arg)));
                    }
                }
            }
        }
        assertTrue(events.size() > 40, events.size() + " events");
        Path dir = Files.createTempDirectory("vigil-leftout");
        try {
            try (Store store = Store.open(dir)) {
                StoreWriter w = new StoreWriter(store, Duration.ofDays(7), 1L << 30);
                events.forEach(w::event);
                w.close();
                assertEquals(0, w.dropped(), w.lastError());
            }
            EventJson sink = new EventJson();
            try (StoreReader reader = new StoreReader(dir.resolve("vigil.db"))) {
                for (EnrichedEvent e : events) {
                    if (StoreWriter.NOT_STORED.contains(e.event().type().eventName())) {
                        continue;
                    }
                    JsonNode written = JSON.readTree(sink.write(e).toString());
                    ArrayNode stored = reader.eventsOf(e.execId(), 10);
                    assertEquals(1, stored.size(), written.toString());
                    assertEquals(written, stored.get(0), e.event().type().eventName());
                    assertEquals(names(written), names(stored.get(0)), e.event().type().eventName() + ": the sink's order");
                }
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * An event that comes as JSON (from an agent through Kafka to `vigil server`, or from a source
     * that builds its fields as a map) is split as a live one is: its environment and capability
     * sets stored once, and it reads back exactly as it came, in its order, whatever its values:
     * nested objects, lists of numbers, fractions, nulls, empty text, zeros and false.
     */
    @Test
    void eventsThatCameAsJsonAreSplitAndComeBackAsTheyCame() throws Exception {
        List<String> env = List.of("PATH=/usr/bin:/bin", "HOME=/root", "EVIL=\"quote\\ \u001b[31m </script>");
        List<EnrichedEvent> live = new ArrayList<>();
        Enricher enricher = new Enricher(ProcessCache.empty(), live::add, "h");
        RecordDecoder decoder = new RecordDecoder();
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < 50; i++) {
                enricher.accept(decoder.decode(SampleRecords.exec(arena, new SampleRecords.Exec((1 << 23) + i, 1_000_000L + i, "cc",
                        "/usr/bin/cc", List.of("cc", "-c", "f" + i + ".c"), env, "/src", "make"))));
            }
        }
        EventJson sink = new EventJson();
        List<String> received = new ArrayList<>();
        live.forEach(e -> received.add(sink.write(e).toString()));
        received.add("""
                {"schema":1,"ts":5,"event":"k8s_audit","nodename":"cluster","exec_id":"odd:1:1","pid":0,"empty":"","no":false,"zero":0,
                 "fraction":0.25,"nothing":null,"ports":[80,443],"none":[],"big":18446744073709551615,
                 "objectRef":{"resource":"pods","subresource":"exec","names":["a","<b>"],"deep":{"x":[{"y":null}]}},"last":"\\u001b]0;x\\u0007"}""");
        Path dir = Files.createTempDirectory("vigil-shared-json");
        try {
            try (Store store = Store.open(dir)) {
                StoreWriter w = new StoreWriter(store, Duration.ofDays(7), 1L << 30);
                for (String line : received) {
                    @SuppressWarnings("unchecked")
                    java.util.Map<String, Object> fields = JSON.readValue(line, java.util.Map.class);
                    w.eventWaiting(fields);
                }
                w.close();
                assertEquals(0, w.dropped(), w.lastError());
                long values = store.count("shared_values");
                assertTrue(values >= 2 && values <= 6, values + " shared values for 50 execs of one environment");
            }
            try (StoreReader reader = new StoreReader(dir.resolve("vigil.db"))) {
                for (String line : received) {
                    JsonNode sent = JSON.readTree(line);
                    ArrayNode stored = reader.eventsOf(sent.path("exec_id").asText(), 10);
                    assertEquals(1, stored.size(), line);
                    assertEquals(sent, stored.get(0));
                    assertEquals(names(sent), names(stored.get(0)), "the order it came in");
                }
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void execsSharingAnEnvironmentComeBackWhole() throws Exception {
        List<String> build = List.of("PATH=/usr/bin:/bin", "HOME=/root", "MAKEFLAGS=-j2", "EVIL=\"quote\\ \u001b[31m </script>");
        List<String> other = List.of("PATH=/usr/bin", "LD_PRELOAD=/tmp/x.so", "LANG=C.UTF-8");
        List<EnrichedEvent> events = new ArrayList<>();
        Enricher enricher = new Enricher(ProcessCache.empty(), events::add, "h");
        RecordDecoder decoder = new RecordDecoder();
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < 300; i++) {
                List<String> env = i % 100 == 99 ? other : build;
                var exec = SampleRecords.exec(arena, new SampleRecords.Exec((1 << 23) + i, 1_000_000L + i, "cc",
                        "/usr/bin/cc", List.of("cc", "-c", "f" + i + ".c"), env, "/src", "make"));
                if (i % 3 != 0) { // a compiler under a shell of its own, under one make, whose name is hostile
                    SampleRecords.withAncestry(exec, List.of(new PidTree.Node((1 << 23) + i, 1_000_000L + i, "cc"),
                            new PidTree.Node(5_000 + i, 900_000L + i, "sh"), new PidTree.Node(4_000, 800_000L, "make<\"\u001b"),
                            new PidTree.Node(3_000, 700_000L, "bash"), new PidTree.Node(1, 1, "systemd")));
                }
                enricher.accept(decoder.decode(exec));
            }
            // the first exec's exit, as the sandbox exit hook delivers it: it ends that process's row
            enricher.accept(decoder.decode(SampleRecords.task(arena, EventType.EXIT.number(), 1 << 23, 1, 1_000_000L, "cc", 7)));
        }
        Path dir = Files.createTempDirectory("vigil-shared");
        try {
            try (Store store = Store.open(dir)) {
                StoreWriter w = new StoreWriter(store, Duration.ofDays(7), 1L << 30);
                for (EnrichedEvent e : events) {
                    w.event(e);
                }
                w.close();
                assertEquals(0, w.dropped(), w.lastError());
                // two environments, the capability sets and what the rows left out, not a copy per exec
                long values = store.count("shared_values");
                assertTrue(values >= 3 && values <= 7, values + " shared values for 300 execs of 2 environments");
                assertEquals(300, store.count("events"), "an exit has no row of its own");
            }
            EventJson sink = new EventJson();
            try (StoreReader reader = new StoreReader(dir.resolve("vigil.db"))) {
                for (int i : new int[] {0, 1, 2, 99, 150, 299}) {
                    EnrichedEvent e = events.get(i);
                    JsonNode written = JSON.readTree(sink.write(e).toString());
                    JsonNode stored = reader.eventsOf(e.execId(), 10).get(0);
                    assertEquals(written, stored, "exec " + i);
                    assertEquals(names(written), names(stored), "exec " + i + ": the fields in the sink's order");
                    assertTrue(stored.path("env").size() == (i % 100 == 99 ? 3 : 4));
                    assertEquals(i % 3 == 0 ? 2 : 5, stored.path("ancestors").size(), stored.toString());
                }
                var first = reader.process(events.get(0).execId());
                assertEquals(7, first.path("exit_code").asLong(), first.toString());
                assertEquals(events.get(300).wallTimeNs(), first.path("ended_ts").asLong());
            }
            try (Store store = Store.open(dir)) { // retention by age takes the values with the last events that named them
                store.retain(System.currentTimeMillis() * 1_000_000L + Duration.ofDays(1).toNanos(), 1L << 30);
                assertEquals(0, store.count("events"));
                assertEquals(0, store.count("shared_values"));
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
