package dev.vigil.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A rule set for the whole fleet, on a compacted topic under one key: the newest push is what every
 * server (and every agent detecting locally) runs. Each reader follows the whole topic on its own
 * (no consumer group: every server needs every push), from the beginning, so a server that starts
 * later loads the rule set in force.
 */
public final class RulesFeed implements AutoCloseable {
    /** The key every push is written under: compaction keeps the newest. */
    public static final String KEY = "rules";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One push: the rule files by name, in order, whether the stock pack runs with them, when and by whom. */
    public record Push(Map<String, String> files, boolean withStock, long ts, String from) {}

    private final TopicFollower follower;

    private RulesFeed(TopicFollower follower) {
        this.follower = follower;
    }

    /** Publishes `files` as the fleet's rule set (the topic is made compacted if it does not exist) and waits for the broker's acknowledgement. */
    public static void push(String bootstrap, Map<String, String> settings, String topic, Push push) throws IOException {
        Topics.ensureCompacted(bootstrap, settings, topic, 1, Map.of());
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("schema", 1);
        value.put("files", push.files());
        value.put("with_stock", push.withStock());
        value.put("ts", push.ts());
        value.put("from", push.from());
        try (KafkaProducer<String, byte[]> producer = EventPublisher.producer(bootstrap, settings, Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000"))) {
            producer.send(new ProducerRecord<>(topic, KEY, JSON.writeValueAsBytes(value))).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException | InterruptedException e) {
            throw new IOException("the rule set was not acknowledged by Kafka at " + bootstrap + ": " + e.getMessage(), e);
        }
    }

    /** Follows `topic` from its beginning on a thread of its own, handing each push to `onPush` (bad records to `onBad`). */
    public static RulesFeed follow(String bootstrap, Map<String, String> settings, String topic, Consumer<Push> onPush, Consumer<String> onBad) {
        return new RulesFeed(TopicFollower.follow(bootstrap, settings, topic, (key, value, timestamp) -> {
            try {
                Map<?, ?> m = JSON.readValue(value, Map.class);
                Map<String, String> files = new LinkedHashMap<>();
                if (m.get("files") instanceof Map<?, ?> f) {
                    f.forEach((k, v) -> files.put(String.valueOf(k), String.valueOf(v)));
                }
                onPush.accept(new Push(files, Boolean.TRUE.equals(m.get("with_stock")),
                        m.get("ts") instanceof Number n ? n.longValue() : 0, String.valueOf(m.get("from"))));
            } catch (IOException | RuntimeException bad) {
                onBad.accept("a record on " + topic + " is not a rule set: " + bad.getMessage());
            }
        }, onBad));
    }

    @Override
    public void close() {
        follower.close();
    }
}
