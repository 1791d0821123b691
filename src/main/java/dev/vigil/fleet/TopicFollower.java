package dev.vigil.fleet;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;

/**
 * Every partition of one topic, read from its beginning on a thread of its own, outside any
 * consumer group: for what every server needs whole (the fleet's rule set, every host's last
 * heartbeat), not shared out. Waits for the topic to appear, and follows partitions added to it
 * later (looked up every minute).
 */
public final class TopicFollower implements AutoCloseable {
    /** One record: its key ("" when it has none), its value, and its timestamp (ms; the broker's clock on a topic of LogAppendTime). */
    public interface OnRecord {
        void accept(String key, byte[] value, long timestampMs);
    }

    /** How often the topic's partitions are looked up again. */
    private static final long LOOK_AGAIN_NS = 60_000_000_000L;
    private final KafkaConsumer<String, byte[]> consumer;
    private volatile boolean closing;

    private TopicFollower(KafkaConsumer<String, byte[]> consumer) {
        this.consumer = consumer;
    }

    /** Hands each record to `onRecord` (on the follower's thread); a failure of the follower to `onError`. */
    public static TopicFollower follow(String bootstrap, Map<String, String> settings, String topic,
                                       OnRecord onRecord, Consumer<String> onError) {
        return follow(bootstrap, settings, topic, -1, onRecord, onError);
    }

    /** From the first record at or after `sinceMs` (ms since the epoch; -1: from the beginning). */
    public static TopicFollower follow(String bootstrap, Map<String, String> settings, String topic, long sinceMs,
                                       OnRecord onRecord, Consumer<String> onError) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false"); // a reader waits for the topic; whoever makes it chooses its settings
        p.putAll(settings);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        TopicFollower f = new TopicFollower(new KafkaConsumer<>(p));
        Thread.ofPlatform().daemon().name("vigil-follow-" + topic).start(() -> f.run(topic, sinceMs, onRecord, onError));
        return f;
    }

    private void run(String topic, long sinceMs, OnRecord onRecord, Consumer<String> onError) {
        try {
            List<TopicPartition> parts = List.of();
            while (!closing && parts.isEmpty()) { // until the topic exists and the broker answers
                List<PartitionInfo> info;
                try {
                    info = consumer.partitionsFor(topic, Duration.ofSeconds(5));
                } catch (org.apache.kafka.common.errors.TimeoutException notYet) {
                    info = null;
                }
                parts = info == null ? List.of() : info.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
                if (parts.isEmpty()) {
                    Thread.sleep(1000);
                }
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            if (sinceMs >= 0) {
                Map<TopicPartition, Long> when = new java.util.HashMap<>();
                parts.forEach(p -> when.put(p, sinceMs));
                consumer.offsetsForTimes(when).forEach((p, found) -> {
                    if (found == null) {
                        consumer.seekToEnd(List.of(p)); // nothing that recent: only what comes
                    } else {
                        consumer.seek(p, found.offset());
                    }
                });
            }
            long nextLook = System.nanoTime() + LOOK_AGAIN_NS;
            while (!closing) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    onRecord.accept(r.key() == null ? "" : r.key(), r.value(), r.timestamp());
                }
                if (System.nanoTime() > nextLook) { // partitions added to the topic since: followed from their beginning
                    nextLook = System.nanoTime() + LOOK_AGAIN_NS;
                    parts = added(topic, parts);
                }
            }
        } catch (WakeupException | InterruptedException stopping) {
            // close() asked
        } catch (RuntimeException e) {
            onError.accept("following " + topic + " stopped: " + e.getMessage());
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** `known` and the topic's partitions added since, the new ones assigned from their beginning. */
    private List<TopicPartition> added(String topic, List<TopicPartition> known) {
        List<PartitionInfo> info;
        try {
            info = consumer.partitionsFor(topic, Duration.ofSeconds(5));
        } catch (org.apache.kafka.common.errors.TimeoutException notNow) {
            return known;
        }
        List<TopicPartition> now = info == null ? known : info.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        List<TopicPartition> fresh = now.stream().filter(p -> !known.contains(p)).toList();
        if (fresh.isEmpty()) {
            return known;
        }
        consumer.assign(now);
        consumer.seekToBeginning(fresh);
        return now;
    }

    @Override
    public void close() {
        closing = true;
        consumer.wakeup();
    }
}
