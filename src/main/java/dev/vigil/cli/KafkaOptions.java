package dev.vigil.cli;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** Where the fleet's Kafka is and how to reach it: shared by `vigil agent` and `vigil server` (a picocli mixin). */
final class KafkaOptions {
    @Option(names = "--kafka", required = true, paramLabel = "HOST:PORT[,…]", description = "Kafka bootstrap servers.")
    String bootstrap;

    @Option(names = "--topic", defaultValue = "vigil.events", paramLabel = "TOPIC", description = "Events topic (default ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--heartbeat-topic", defaultValue = "vigil.heartbeats", paramLabel = "TOPIC", description = "Heartbeats topic (default ${DEFAULT-VALUE}).")
    String heartbeatTopic;

    @Option(names = "--rules-topic", defaultValue = "vigil.rules", paramLabel = "TOPIC", description = "The fleet's rule set, compacted (default ${DEFAULT-VALUE}).")
    String rulesTopic;

    @Option(names = "--alerts-topic", defaultValue = "vigil.alerts", paramLabel = "TOPIC",
            description = "Alerts of servers, and of agents with --detect local (default ${DEFAULT-VALUE}).")
    String alertsTopic;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE", description = "A Kafka client setting passed through (repeatable), e.g. security.protocol=SSL.")
    Map<String, String> properties = new LinkedHashMap<>();

    @Option(names = "--kafka-config", paramLabel = "FILE", description = "Kafka client settings from a properties file (TLS, SASL), passed through.")
    Path config;

    /** The client settings: the file's, then --kafka-property pairs over them. */
    Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>();
        if (config != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(config)) {
                p.load(r);
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalArgumentException("cannot read Kafka settings from " + config + ": " + e.getMessage());
            }
            p.stringPropertyNames().forEach(k -> settings.put(k, p.getProperty(k)));
        }
        settings.putAll(properties);
        return settings;
    }
}
