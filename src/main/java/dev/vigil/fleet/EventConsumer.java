package dev.vigil.fleet;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A member of the servers' consumer group: the partitions of the events topic are shared among
 * the members, each host's records (keyed by host id) on one of them. Offsets are committed after
 * the records of a poll are handled, so a record is handled at least once; alert ids are derived
 * from the events, so one handled twice makes no second alert.
 */
public final class EventConsumer implements AutoCloseable {
    /** What the server does with one record: its topic, its key (the host id) and its value. */
    @FunctionalInterface
    public interface Handler {
        void handle(String topic, String host, byte[] value);
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private volatile boolean closing;

    public EventConsumer(String bootstrap, String group, Map<String, String> settings) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "vigil-server-" + ProcessHandle.current().pid());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.putAll(settings);
        this.consumer = new KafkaConsumer<>(p);
    }

    /** Handles records of `topics` until {@link #close()} from another thread; a failing handler skips that record, counted by the caller. */
    public void run(List<String> topics, Handler handler) {
        consumer.subscribe(topics);
        try {
            while (!closing) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<String, byte[]> r : records) {
                    handler.handle(r.topic(), r.key() == null ? "" : r.key(), r.value());
                }
                if (!records.isEmpty()) {
                    consumer.commitSync();
                }
            }
        } catch (WakeupException stopping) {
            // close() asked
        } finally {
            consumer.close(Duration.ofSeconds(10));
        }
    }

    /** Stops {@link #run} (from another thread); the consumer leaves the group and its partitions move to the others. */
    @Override
    public void close() {
        closing = true;
        consumer.wakeup();
    }
}
