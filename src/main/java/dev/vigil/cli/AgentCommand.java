package dev.vigil.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.agent.Lineage;
import dev.vigil.agent.PushedRules;
import dev.vigil.agent.RuleReport;
import dev.vigil.agent.RunningAgent;
import dev.vigil.agent.SensorSession;
import dev.vigil.fleet.EventPublisher;
import dev.vigil.sensor.HookSelection;
import dev.vigil.sensor.SensorOptions;
import dev.vigil.sink.Escape;
import dev.vigil.sink.EventJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code vigil agent --kafka HOST:PORT}: the sensor and enrichment on this host, every event
 * published to Kafka keyed by the host id, and a heartbeat every --heartbeat seconds; detection
 * and the store run in `vigil server`, as many as the topic has partitions to share.
 */
@Command(name = "agent", description = "Collect this host's events and publish them to Kafka for 'vigil server' (fleet mode).")
final class AgentCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Option(names = "--heartbeat", defaultValue = "30", paramLabel = "SECONDS", description = "Seconds between heartbeats (default ${DEFAULT-VALUE}).")
    int heartbeatSeconds;

    @Option(names = "--host-id", paramLabel = "ID", description = "This host's id: the events' key and nodename, part of every process identity (default: the hostname).")
    String hostId;

    @Option(names = "--hooks", defaultValue = "default", paramLabel = "default|all|NAME,NAME…", description = "Hooks to switch on (default ${DEFAULT-VALUE}).")
    String hooks;

    @Option(names = "--duration", defaultValue = "0", paramLabel = "SECONDS", description = "Stop after this many seconds (0: run until stopped).")
    long duration;

    @Option(names = "--env-max", defaultValue = "2048", paramLabel = "BYTES", description = "Environment bytes kept per exec (0-4096, 0: none).")
    int envMax;

    @Option(names = "--detect", paramLabel = "local",
            description = "'local': run the rules here too, alerts to --alerts-topic (the servers still get every event).")
    String detect;

    @Mixin
    RuleOptions rules; // with --detect local; a rule set pushed to the fleet replaces them

    @Option(names = "--spool", defaultValue = "/var/lib/vigil/spool", paramLabel = "DIR",
            description = "Where records wait on disk while Kafka is away, sent in order when it is back (default ${DEFAULT-VALUE}).")
    Path spool;

    @Option(names = "--spool-mb", defaultValue = "256", paramLabel = "MB",
            description = "The most the spool keeps; past it the oldest records are dropped and counted (default ${DEFAULT-VALUE}).")
    long spoolMb;

    @Option(names = "--from", paramLabel = "FILE.jsonl",
            description = "Publish events recorded by 'vigil events' instead of collecting (no kernel, no root): a demo or test host.")
    Path from;

    @Option(names = "--rate-limit", defaultValue = "" + SensorOptions.DEFAULT_RATE_LIMIT, paramLabel = "EVENTS",
            description = "Events per second a process may send while the ring buffer is filling (0: no limit), as in 'vigil run'.")
    int rateLimit;

    @Mixin
    K8sAuditOptions k8sAudit; // its events go to the events topic keyed by cluster, its token and offset next to the spool

    @Override
    public Integer call() throws Exception {
        if (heartbeatSeconds < 1 || duration < 0 || rateLimit < 0) {
            throw new IllegalArgumentException("--heartbeat must be 1 or more seconds, --duration and --rate-limit 0 or more");
        }
        String host = hostId != null ? hostId : dev.vigil.enrich.Enricher.hostname();
        if (host.isBlank() || host.length() > 255) {
            throw new IllegalArgumentException("--host-id must be 1 to 255 characters");
        }
        Map<String, String> settings = kafka.settings();
        if (from != null) {
            return publishRecorded(host, settings);
        }
        SensorOptions options = SensorOptions.of(HookSelection.parse(hooks)).withEnvMax(envMax).withRateLimit(rateLimit)
                .withRawSyscalls(HookSelection.asksForRawSyscalls(hooks)).withTamperLog(true);
        AtomicLong events = new AtomicLong();
        if (spoolMb < 1) {
            throw new IllegalArgumentException("--spool-mb must be 1 or more");
        }
        dev.vigil.fleet.Journal journal;
        try {
            journal = new dev.vigil.fleet.Journal(spool, spoolMb << 20);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot use the spool folder " + spool + ": " + dev.vigil.detect.RuleLoader.why(e) + " (choose another with --spool DIR)");
        }
        if (detect != null && !detect.equals("local")) {
            throw new IllegalArgumentException("--detect takes 'local' (rules on this host as well as on the servers), not " + detect);
        }
        dev.vigil.detect.RuleSet ruleSet = null;
        if (detect != null) {
            ruleSet = dev.vigil.detect.RuleLoader.load(rules.paths());
            RuleReport.report(ruleSet);
            RuleReport.requireReadable(ruleSet);
        }
        try (EventPublisher publisher = new EventPublisher(kafka.bootstrap, host, settings, journal)) {
            awaitKafka(publisher);
            EventJson json = new EventJson();
            dev.vigil.sink.AlertJson alertJson = new dev.vigil.sink.AlertJson();
            java.util.concurrent.atomic.AtomicReference<SensorSession> current = new java.util.concurrent.atomic.AtomicReference<>();
            dev.vigil.detect.Engine engine = ruleSet == null ? null : new dev.vigil.detect.Engine(ruleSet,
                    a -> publisher.publish(kafka.alertsTopic, alertJson.write(a).toString().getBytes(StandardCharsets.UTF_8)),
                    e -> Lineage.of(current.get(), e));
            ClusterAudit audit = ClusterAudit.start(k8sAudit, kafka, settings, spool.toAbsolutePath().getParent(), spool.resolve("k8s-audit"),
                    spoolMb << 20, host, engine == null ? null : engine::accept);
            SensorSession session;
            try {
                session = new SensorSession(options, e -> {
                    events.incrementAndGet();
                    publisher.publish(kafka.topic, json.write(e).toString().getBytes(StandardCharsets.UTF_8));
                    if (engine != null && engine.reads(e.event().type())) {
                        engine.accept(dev.vigil.detect.EventMaps.of(e));
                    }
                }, () -> {
                    if (engine != null) {
                        engine.tick(System.currentTimeMillis() * 1_000_000L);
                    }
                }, host);
            } catch (RuntimeException e) {
                if (audit != null) {
                    audit.close();
                }
                throw e;
            }
            current.set(session);
            dev.vigil.fleet.RulesFeed feed = engine == null ? null : dev.vigil.fleet.RulesFeed.follow(kafka.bootstrap, settings, kafka.rulesTopic, push -> {
                dev.vigil.detect.RuleSet next = PushedRules.load(push, spool.resolveSibling("pushed-rules"));
                if (next != null) {
                    engine.rules(next);
                }
            }, bad -> System.err.println("vigil: " + Escape.line(bad)));
            Heartbeat beat = new Heartbeat(publisher, kafka.heartbeatTopic, session, events, hooks, heartbeatSeconds);
            Thread beats = Thread.ofPlatform().daemon().name("vigil-heartbeat").start(() -> beat.every());
            System.err.println("vigil: publishing to " + kafka.bootstrap + " topic " + kafka.topic + " as host " + Escape.line(host));
            try {
                session.run(duration, "INT", "TERM");
            } finally {
                if (audit != null) {
                    audit.close();
                }
            }
            beats.interrupt();
            if (feed != null) {
                feed.close();
                engine.flush();
            }
            beat.send();
            publisher.close(java.time.Duration.ofSeconds(15));
            System.err.println("vigil: " + events.get() + " events; " + publisher.sent() + " records delivered to Kafka, "
                    + publisher.spooled() + " spooled to disk while it was away, " + publisher.replayed() + " sent from the spool (an earlier run's too), "
                    + publisher.journalDropped() + " dropped from a full spool, " + publisher.failed() + " failed"
                    + (publisher.failed() > 0 ? " (last: " + Escape.line(publisher.lastError()) + ")" : ""));
        }
        return 0;
    }

    /** The events of a recording, each line that is a JSON object, published in order under `host`; then a heartbeat. */
    private int publishRecorded(String host, Map<String, String> settings) throws Exception {
        long published = 0, skipped = 0;
        dev.vigil.fleet.ClusterPublisher audit = null; // audit events go under their cluster's key
        try (EventPublisher publisher = new EventPublisher(kafka.bootstrap, host, settings);
             var lines = Files.newBufferedReader(from, StandardCharsets.UTF_8)) {
            awaitKafka(publisher);
            ObjectMapper json = new ObjectMapper();
            for (String line; (line = lines.readLine()) != null; ) {
                try {
                    Object parsed = json.readValue(line, Object.class);
                    if (parsed instanceof Map<?, ?> m && dev.vigil.k8saudit.AuditEvents.isAudit(m)) {
                        var batch = dev.vigil.k8saudit.AuditEvents.read(m, host, k8sAudit.cluster, dev.vigil.k8saudit.AuditBody.MAX_EVENTS);
                        if (batch.problem() != null) {
                            skipped++;
                            continue;
                        }
                        if (audit == null) {
                            audit = new dev.vigil.fleet.ClusterPublisher(kafka.bootstrap, kafka.topic, k8sAudit.cluster, settings, null);
                        }
                        batch.events().forEach(audit::publish);
                        published += batch.events().size();
                        continue;
                    }
                    if (parsed instanceof Map<?, ?> event) {
                        // these are now this host id's events, as a live agent's are; written as the agent writes its own
                        dev.vigil.sink.JsonWriter w = new dev.vigil.sink.JsonWriter().begin();
                        event.forEach((k, v) -> w.field(String.valueOf(k), k.equals("nodename") ? host : v));
                        if (!event.containsKey("nodename")) {
                            w.field("nodename", host);
                        }
                        publisher.publish(kafka.topic, w.end().toString().getBytes(StandardCharsets.UTF_8));
                        published++;
                        continue;
                    }
                } catch (com.fasterxml.jackson.core.JsonProcessingException notJson) {
                    // counted below
                }
                skipped++;
            }
            Map<String, Object> beat = new LinkedHashMap<>();
            beat.put("schema", 1);
            beat.put("kind", "heartbeat");
            beat.put("host", host);
            beat.put("ts", System.currentTimeMillis() * 1_000_000L);
            beat.put("version", Main.version());
            beat.put("heartbeat_s", heartbeatSeconds);
            beat.put("replayed_from", from.toString());
            beat.put("events", published);
            publisher.publish(kafka.heartbeatTopic, json.writeValueAsBytes(beat));
            publisher.flush();
            long failed = publisher.failed();
            if (audit != null) {
                audit.close(java.time.Duration.ofSeconds(30));
                failed += audit.publisher().failed();
                System.err.println("vigil: " + Escape.line(audit.summary()));
            }
            System.err.println("vigil: " + published + " recorded events published as host " + Escape.line(host)
                    + (skipped > 0 ? ", " + skipped + " lines skipped (not a JSON object, or not a valid audit batch)" : "") + "; " + publisher.sent() + " delivered, "
                    + publisher.failed() + " failed" + (publisher.failed() > 0 ? " (last: " + Escape.line(publisher.lastError()) + ")" : ""));
            return failed > 0 || skipped > 0 ? 1 : 0;
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read " + from + ": " + dev.vigil.detect.RuleLoader.why(e));
        } finally {
            if (audit != null) {
                audit.close(java.time.Duration.ZERO);
            }
        }
    }

    /** Kafka's metadata for our topics before the first record; a broker away now is said, and the agent starts anyway. */
    private void awaitKafka(EventPublisher publisher) {
        if (!publisher.awaitTopics(List.of(kafka.topic, kafka.heartbeatTopic), java.time.Duration.ofSeconds(30))) {
            System.err.println("vigil: Kafka at " + Escape.line(kafka.bootstrap) + " did not answer within 30 s ("
                    + Escape.line(publisher.lastError()) + "); starting anyway, records fail and are counted until it does");
        }
    }


    /** Every few seconds: what the server's hosts page shows, and how it knows an agent is alive. */
    private record Heartbeat(EventPublisher publisher, String topic, SensorSession session, AtomicLong events, String hooks, int seconds) {
        private static final ObjectMapper JSON = new ObjectMapper();

        void every() {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    send();
                    Thread.sleep(seconds * 1000L);
                }
            } catch (InterruptedException stop) {
                // the agent is stopping; it sends a last one itself
            }
        }

        void send() {
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("schema", 1);
            h.put("kind", "heartbeat");
            h.put("host", publisher.host());
            h.put("ts", System.currentTimeMillis() * 1_000_000L);
            h.put("version", Main.version());
            h.put("heartbeat_s", seconds);
            h.put("kernel", osRelease());
            h.put("hooks", hooks);
            h.put("events", events.get());
            h.putAll(session.health());
            h.put("published", publisher.sent());
            h.put("publish_failed", publisher.failed());
            h.put("spooled", publisher.spooled());
            h.put("spool_dropped", publisher.journalDropped());
            h.put("cpu_ns", ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime());
            h.put("rss_bytes", RunningAgent.rssBytes(ProcessHandle.current().pid()));
            try {
                publisher.publish(topic, JSON.writeValueAsBytes(h));
            } catch (com.fasterxml.jackson.core.JsonProcessingException impossible) {
                throw new IllegalStateException(impossible);
            }
        }

        private static String osRelease() {
            try {
                return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
            } catch (java.io.IOException e) {
                return "";
            }
        }
    }
}
