package dev.vigil.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.agent.ConsoleStart;
import dev.vigil.agent.PushedRules;
import dev.vigil.agent.RuleReport;
import dev.vigil.agent.RunningAgent;
import dev.vigil.console.AgentView;
import dev.vigil.console.Console;
import dev.vigil.detect.Alert;
import dev.vigil.detect.Engine;
import dev.vigil.detect.RuleLoader;
import dev.vigil.detect.RuleSet;
import dev.vigil.fleet.AlertExchange;
import dev.vigil.fleet.EventConsumer;
import dev.vigil.fleet.RulesFeed;
import dev.vigil.fleet.TopicFollower;
import dev.vigil.fleet.Topics;
import dev.vigil.sink.AlertSink;
import dev.vigil.sink.Escape;
import dev.vigil.store.StoreWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code vigil server --kafka HOST:PORT}: one member of the servers' consumer group. For the hosts
 * whose partitions it owns it runs the rules (one engine per host, so one host's windows and
 * sequences never meet another's), writes the store and serves the console; heartbeats make the
 * hosts list.
 */
@Command(name = "server", description = "Run the rules, the store and the console over events from Kafka, as one of a consumer group (fleet mode).")
final class ServerCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Option(names = "--group", defaultValue = "vigil-server", paramLabel = "GROUP", description = "Consumer group the servers share (default ${DEFAULT-VALUE}).")
    String group;

    @Mixin
    RuleOptions rules;

    @Option(names = "--data", defaultValue = "/var/lib/vigil/server", paramLabel = "DIR", description = "The store (default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--retention-days", defaultValue = "30", paramLabel = "DAYS",
            description = "Store: drop what is older (default ${DEFAULT-VALUE}); also how far back a starting server takes the other servers' alerts.")
    long retentionDays;

    @Option(names = "--retention-mb", defaultValue = "1024", paramLabel = "MB", description = "Store: drop the oldest events past this size (default ${DEFAULT-VALUE}).")
    long retentionMb;

    @Option(names = "--listen", defaultValue = "127.0.0.1:7070", paramLabel = "HOST:PORT", description = "The console's address.")
    String listen;

    @Option(names = "--no-console", description = "No console.")
    boolean noConsole;

    @Option(names = "--fold", defaultValue = "60", paramLabel = "SECONDS", description = "Fold repeats of a rule within SECONDS (0: off), as in 'vigil run'.")
    long foldSeconds;

    @Option(names = "--duration", defaultValue = "0", paramLabel = "SECONDS", description = "Stop after this many seconds (0: run until stopped).")
    long duration;

    @Option(names = "--replay", paramLabel = "SECONDS",
            description = "When a host's partition moves here, replay this much of its past to rebuild its rule state"
                    + " (default: the longest window of the rules and of folding, at least 120).")
    Long replaySeconds;

    @Mixin
    K8sAuditOptions k8sAudit; // its events go to the events topic keyed by cluster, and come back to the group like a host's

    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Rows the consumer queues for the store before it waits. The store is the slower of the two,
     * so its queue stays full: at the writer's whole queue (16,384 events of a few KiB each as maps)
     * every young collection copied it, and the collector's threads cost 14 – 17 µs per event;
     * at about a transaction's worth, 2 µs (docs/benchmarks.md, the fleet server).
     */
    private static final int ROWS_QUEUED = 2_048;

    @Override
    public Integer call() throws Exception {
        if (duration < 0) {
            throw new IllegalArgumentException("--duration must be 0 or more seconds");
        }
        List<Path> paths = rules.paths();
        RuleSet set = RuleLoader.load(paths);
        RuleReport.report(set);
        RuleReport.requireReadable(set);
        Map<String, String> settings = kafka.settings();
        StoreWriter store = StoreWriter.open(dataDir, retentionDays, retentionMb, "choose another with --data DIR");
        java.time.Duration fold = RuleOptions.foldWindow(foldSeconds);
        java.util.concurrent.atomic.AtomicReference<RuleSet> current = new java.util.concurrent.atomic.AtomicReference<>(set);
        Map<String, Engine> engines = new ConcurrentHashMap<>();
        Map<String, Map<String, Object>> hosts = new ConcurrentHashMap<>();
        AtomicLong events = new AtomicLong(), unreadable = new AtomicLong(), newerSchema = new AtomicLong(), raised = new AtomicLong();
        java.util.Set<String> hostsSeen = ConcurrentHashMap.newKeySet(), clustersSeen = ConcurrentHashMap.newKeySet();
        Map<String, AtomicLong> alertsOf = new ConcurrentHashMap<>();
        AtomicLong fromOthers = new AtomicLong();
        try (AlertSink lines = new AlertSink(new BufferedWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8)))) {
            java.util.concurrent.atomic.AtomicBoolean replaying = new java.util.concurrent.atomic.AtomicBoolean();
            // every server's console shows every host's alerts: ours go to the alerts topic, the other servers' come from it
            String raisedBy = "server " + dev.vigil.enrich.Enricher.hostname() + ":" + dataDir.toAbsolutePath();
            dev.vigil.sink.AlertJson alertJson = new dev.vigil.sink.AlertJson();
            AlertExchange exchange = new AlertExchange(kafka.bootstrap, settings, kafka.alertsTopic, java.time.Duration.ofDays(retentionDays),
                    (host, value, ts) -> {
                        Map<String, Object> m = object(value);
                        if (m != null && m.get("raised_by") instanceof String by && by.startsWith("server ") && !by.equals(raisedBy)) {
                            try {
                                Alert a = dev.vigil.sink.AlertJson.read(m);
                                alertsOf.computeIfAbsent(a.host(), h -> new AtomicLong()).incrementAndGet();
                                fromOthers.incrementAndGet();
                                store.alerts.accept(a);
                            } catch (RuntimeException notAnAlert) {
                                unreadable.incrementAndGet();
                            }
                        }
                    }, bad -> System.err.println("vigil: " + Escape.line(bad)));
            java.util.function.Consumer<Alert> sink = raisedHere -> {
                if (replaying.get()) {
                    return; // rebuilding a moved host's state: its alerts were raised by the server that had it
                }
                Map<String, Object> extra = new LinkedHashMap<>(raisedHere.extra());
                extra.put("raised_by", raisedBy);
                Alert a = new Alert(raisedHere.id(), raisedHere.timeNs(), raisedHere.rule(), raisedHere.kind(), raisedHere.priority(), raisedHere.tags(),
                        raisedHere.output(), raisedHere.host(), raisedHere.events(), raisedHere.lineage(), extra);
                raised.incrementAndGet();
                alertsOf.computeIfAbsent(a.host(), h -> new AtomicLong()).incrementAndGet();
                lines.accept(a);
                store.alerts.accept(a);
                exchange.publish(a.host(), alertJson.write(a).toString().getBytes(StandardCharsets.UTF_8));
            };
            java.time.Duration replay = replaySeconds != null ? java.time.Duration.ofSeconds(Math.max(0, replaySeconds)) : replayWindow(set, fold);
            EventConsumer consumer = new EventConsumer(kafka.bootstrap, group, settings, replay);
            Map<String, Integer> partitionOfHost = new ConcurrentHashMap<>();
            EventConsumer.Handler handler = new EventConsumer.Handler() {
                @Override
                public void revoked(int partition) {
                    // the host's state goes with its partition: the next owner rebuilds it by replay
                    partitionOfHost.entrySet().removeIf(en -> {
                        if (en.getValue() == partition) {
                            engines.remove(en.getKey());
                            return true;
                        }
                        return false;
                    });
                }

                @Override
                public void assigned(List<Integer> partitions) {
                    System.err.println("vigil: partitions of " + Escape.line(kafka.topic) + " assigned to this server: " + partitions);
                }

                @Override
                public void handle(String host, int partition, byte[] value, boolean replay) {
                    Integer known = partitionOfHost.get(host);
                    if (known == null || known != partition) {
                        partitionOfHost.put(host, partition);
                    }
                    replaying.set(replay);
                    try {
                        record(host, value, replay);
                    } finally {
                        replaying.set(false);
                    }
                }

                private void record(String host, byte[] value, boolean replay) {
                    Map<String, Object> m = object(value);
                    if (m == null) {
                        unreadable.incrementAndGet();
                        return;
                    }
                    if (!(m.get("schema") instanceof Number schema) || schema.longValue() > dev.vigil.enrich.EnrichedEvent.SCHEMA) {
                        // an agent newer than this server (or not an agent): its fields may not mean what the rules expect
                        if (newerSchema.getAndIncrement() == 0) {
                            System.err.println("vigil: host " + Escape.line(host) + " sends events of schema " + Escape.line(String.valueOf(m.get("schema")))
                                    + ", this server reads " + dev.vigil.enrich.EnrichedEvent.SCHEMA + ": skipped and counted (upgrade the servers before the agents)");
                        }
                        return;
                    }
                    if (!replay) {
                        events.incrementAndGet();
                        (dev.vigil.fleet.ClusterPublisher.isCluster(host) ? clustersSeen : hostsSeen).add(host);
                        try {
                            store.eventWaiting(m, ROWS_QUEUED); // Kafka keeps what we have not read: wait, never drop
                        } catch (InterruptedException stopping) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    engines.computeIfAbsent(host, h -> new Engine(current.get(), sink, Engine::lineageFromTree).fold(fold)).accept(m);
                }
            };
            RulesFeed feed = RulesFeed.follow(kafka.bootstrap, settings, kafka.rulesTopic, push -> {
                RuleSet next = PushedRules.load(push, dataDir.resolve("pushed-rules"));
                if (next != null) {
                    current.set(next);
                    engines.values().forEach(e -> e.rules(next));
                }
            }, bad -> System.err.println("vigil: " + Escape.line(bad)));
            TopicFollower beats = followHeartbeats(settings, hosts);
            Console console = store == null || noConsole ? null
                    : ConsoleStart.on(listen, dataDir, new FleetView(engines, current, hosts, alertsOf, store, consumer, events, unreadable, newerSchema, raised));
            for (String name : new String[] {"INT", "TERM"}) {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> consumer.close());
            }
            if (duration > 0) {
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        Thread.sleep(duration * 1000);
                    } catch (InterruptedException ignored) {
                        // stopping anyway
                    }
                    consumer.close();
                });
            }
            ClusterAudit audit;
            try {
                audit = ClusterAudit.start(k8sAudit, kafka, settings, dataDir, dataDir.resolve("k8s-audit-spool"), 256L << 20,
                        dev.vigil.enrich.Enricher.hostname(), null);
            } catch (IllegalArgumentException e) {
                feed.close();
                beats.close();
                exchange.close();
                if (console != null) {
                    console.close();
                }
                store.close();
                throw e;
            }
            System.err.println("vigil: consuming " + kafka.topic + " from " + kafka.bootstrap + " as group " + Escape.line(group));
            System.err.println("ready");
            Thread.ofPlatform().daemon().name("vigil-kafka-watch").start(() -> {
                try {
                    Thread.sleep(30_000);
                } catch (InterruptedException stopping) {
                    return;
                }
                if (!consumer.assigned()) {
                    System.err.println("vigil: no partition of " + Escape.line(kafka.topic) + " assigned after 30 s: Kafka at " + Escape.line(kafka.bootstrap)
                            + " does not answer, or the topic does not exist yet (it appears with the first agent's events), or the group has"
                            + " more members than the topic has partitions; still trying");
                }
            });
            try {
                consumer.run(kafka.topic, handler);
            } finally {
                if (audit != null) {
                    audit.close();
                }
                feed.close();
                beats.close();
                exchange.close();
                engines.values().forEach(Engine::flush);
                if (console != null) {
                    console.close();
                }
                store.close();
            }
            System.err.println("vigil: " + events.get() + " events from " + hostsSeen.size() + " hosts"
                    + (clustersSeen.isEmpty() ? "" : " and " + clustersSeen.size() + " Kubernetes clusters") + ", " + raised.get() + " alerts ("
                    + exchange.sent() + " shared with the other servers" + (exchange.failed() > 0 ? ", " + exchange.failed() + " not" : "") + "; "
                    + fromOthers.get() + " of theirs stored), "
                    + store.written() + " rows written" + (store.dropped() > 0 ? ", " + store.dropped() + " not (" + Escape.line(store.dropReason()) + ")" : "")
                    + (unreadable.get() > 0 ? "; " + unreadable.get() + " records not JSON objects, skipped" : "")
                    + (newerSchema.get() > 0 ? "; " + newerSchema.get() + " events of an unknown schema, skipped" : ""));
        }
        return 0;
    }

    /**
     * Every host's heartbeats, whichever server owns its events: each server follows the whole
     * topic, from its beginning (compacted by host: the last one of each host is kept, so a host
     * silent for days still shows). The broker's clock dates them, not the host's.
     */
    private TopicFollower followHeartbeats(Map<String, String> settings, Map<String, Map<String, Object>> hosts) {
        Thread.ofPlatform().daemon().name("vigil-heartbeats-topic").start(() -> { // Kafka may not answer yet: the server starts anyway
            try {
                Topics.ensureCompacted(kafka.bootstrap, settings, kafka.heartbeatTopic, 1,
                        Map.of("message.timestamp.type", "LogAppendTime", "segment.ms", String.valueOf(3_600_000)));
            } catch (IOException e) {
                System.err.println("vigil: " + Escape.line(e.getMessage()) + "; the hosts list reads " + Escape.line(kafka.heartbeatTopic) + " as it is");
            }
        });
        return TopicFollower.follow(kafka.bootstrap, settings, kafka.heartbeatTopic, (host, value, receivedMs) -> {
            Map<String, Object> m = object(value);
            if (m == null || host.isEmpty()) {
                return;
            }
            m.put("received_ms", receivedMs);
            Map<String, Object> before = hosts.get(host);
            if (before != null && m.get("events") instanceof Number now && before.get("events") instanceof Number then
                    && m.get("ts") instanceof Number t1 && before.get("ts") instanceof Number t0 && t1.longValue() > t0.longValue()) {
                m.put("events_per_s", (now.longValue() - then.longValue()) * 1e9 / (t1.longValue() - t0.longValue()));
            }
            hosts.put(host, m);
        }, bad -> System.err.println("vigil: " + Escape.line(bad)));
    }

    /** A record's value as a JSON object; null when it is not one. */
    private static Map<String, Object> object(byte[] value) {
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = value == null ? null : JSON.readValue(value, Map.class);
            return m;
        } catch (IOException | RuntimeException notJson) {
            return null;
        }
    }

    /** How far back a moved host's records are replayed: the longest window a rule or folding keeps state for. */
    private static java.time.Duration replayWindow(RuleSet set, java.time.Duration fold) {
        java.time.Duration longest = java.time.Duration.ofSeconds(120);
        for (var d : set.detections()) {
            java.time.Duration w = switch (d) {
                case dev.vigil.detect.SequenceRule q -> q.window();
                case dev.vigil.detect.ThresholdRule t -> t.window();
                default -> java.time.Duration.ZERO;
            };
            longest = w.compareTo(longest) > 0 ? w : longest;
        }
        return fold.compareTo(longest) > 0 ? fold : longest;
    }


    /** The console's view of a server: the hosts and their last heartbeat, the events and alerts, the rules. */
    private record FleetView(Map<String, Engine> engines, java.util.concurrent.atomic.AtomicReference<RuleSet> ruleSet,
                             Map<String, Map<String, Object>> hosts, Map<String, AtomicLong> alertsOf, StoreWriter store, EventConsumer consumer,
                             AtomicLong events, AtomicLong unreadable, AtomicLong newerSchema, AtomicLong raised) implements AgentView {
        /** A host is flagged silent after two of its heartbeats' time without one (its heartbeats say how often they come), and a second of slack. */
        private static long silentAfterMs(Map<String, Object> beat) {
            long every = beat.get("heartbeat_s") instanceof Number n && n.longValue() > 0 ? Math.min(n.longValue(), 86_400) : 30;
            return 2 * every * 1000 + 1000;
        }

        @Override
        public Map<String, Object> health() {
            Map<String, Object> h = new LinkedHashMap<>();
            long now = System.currentTimeMillis();
            Map<String, Object> byHost = new java.util.TreeMap<>();
            hosts.forEach((host, beat) -> {
                Map<String, Object> b = new LinkedHashMap<>(beat);
                b.put("silent", now - ((Number) beat.get("received_ms")).longValue() > silentAfterMs(beat));
                AtomicLong alerts = alertsOf.get(host);
                b.put("alerts", alerts == null ? 0 : alerts.get());
                byHost.put(host, b);
            });
            h.put("hosts", byHost);
            h.put("hosts_silent", byHost.values().stream().filter(b -> Boolean.TRUE.equals(((Map<?, ?>) b).get("silent"))).count());
            h.put("events", events.get());
            h.put("kafka_lag_records", consumer.lag());
            h.put("unreadable_records", unreadable.get());
            h.put("unknown_schema_events", newerSchema.get());
            h.put("alerts", raised.get());
            h.put("store_rows_written", store.written());
            h.put("store_dropped", store.dropped());
            h.put("store_lag", store.lag());
            h.put("rss_bytes", RunningAgent.rssBytes(ProcessHandle.current().pid()));
            return h;
        }

        @Override
        public List<Map<String, Object>> rules() {
            Map<String, Long> errors = new java.util.HashMap<>();
            engines.values().forEach(e -> e.ruleErrors().forEach((rule, n) -> errors.merge(rule, n, Long::sum)));
            return RunningAgent.describe(ruleSet.get(), errors);
        }
    }
}
