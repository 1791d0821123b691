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
 *
 * When a partition moves here from another member, its hosts' rule state (threshold windows,
 * sequences, folds) is rebuilt by replaying a bounded window: the records of the last `replay`
 * before the committed offset are handed over again marked as replay (the handler rebuilds state
 * from them and raises nothing: their alerts were the previous owner's), then the new ones.
 */
public final class EventConsumer implements AutoCloseable {
    /** What the server does with one record: its key (the host id), its partition, its value, and whether it is replayed to rebuild state. */
    public interface Handler {
        void handle(String host, int partition, byte[] value, boolean replay);

        /** Partitions that moved away: state kept for their hosts goes with them. */
        default void revoked(int partition) {}

        /** Partitions this member now owns, after a rebalance gave it some. */
        default void assigned(java.util.List<Integer> partitions) {}
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final Duration replay;
    /** Per partition being replayed: the offset where the previous owner stopped. */
    private final Map<org.apache.kafka.common.TopicPartition, Long> replayUntil = new java.util.HashMap<>();
    private volatile boolean closing;
    /** Whether partitions of the events topic have been assigned to this member yet. */
    private volatile boolean assigned;
    /** Records on this member's partitions not read yet, as of the last poll (-1 before the first). */
    private volatile long lag = -1;

    public EventConsumer(String bootstrap, String group, Map<String, String> settings, Duration replay) {
        this.replay = replay;
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

    /** Handles the records of the events `topic` until {@link #close()} from another thread. */
    public void run(String topic, Handler handler) {
        consumer.subscribe(List.of(topic), new org.apache.kafka.clients.consumer.ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(java.util.Collection<org.apache.kafka.common.TopicPartition> parts) {
                for (var p : parts) {
                    replayUntil.remove(p);
                    handler.revoked(p.partition());
                }
            }

            @Override
            public void onPartitionsAssigned(java.util.Collection<org.apache.kafka.common.TopicPartition> parts) {
                java.util.Set<org.apache.kafka.common.TopicPartition> ours = new java.util.HashSet<>(parts);
                if (ours.isEmpty()) {
                    return;
                }
                assigned = true;
                handler.assigned(ours.stream().map(org.apache.kafka.common.TopicPartition::partition).sorted().toList());
                var committed = consumer.committed(ours);
                Map<org.apache.kafka.common.TopicPartition, Long> since = new java.util.HashMap<>();
                long from = System.currentTimeMillis() - replay.toMillis();
                for (var p : ours) {
                    if (committed.get(p) != null) {
                        since.put(p, from);
                    }
                }
                consumer.offsetsForTimes(since).forEach((p, found) -> {
                    long until = committed.get(p).offset();
                    if (found != null && found.offset() < until) {
                        replayUntil.put(p, until);
                        consumer.seek(p, found.offset());
                    }
                });
            }
        });
        try {
            while (!closing) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<String, byte[]> r : records) {
                    boolean replaying = false;
                    if (!replayUntil.isEmpty()) { // only just after partitions moved here
                        var tp = new org.apache.kafka.common.TopicPartition(r.topic(), r.partition());
                        Long until = replayUntil.get(tp);
                        replaying = until != null && r.offset() < until;
                        if (until != null && !replaying) {
                            replayUntil.remove(tp);
                        }
                    }
                    handler.handle(r.key() == null ? "" : r.key(), r.partition(), r.value(), replaying);
                }
                if (!records.isEmpty()) {
                    consumer.commitSync();
                }
                long behind = 0;
                for (var p : consumer.assignment()) {
                    behind += consumer.currentLag(p).orElse(0);
                }
                lag = behind;
            }
        } catch (WakeupException stopping) {
            // close() asked
        } finally {
            consumer.close(Duration.ofSeconds(10));
        }
    }

    /** Whether the group has given this member partitions of the events topic yet (false while Kafka does not answer, or the topic does not exist). */
    public boolean assigned() {
        return assigned;
    }

    /** How many records of its partitions this member has not read yet (from the last poll; -1 before it): how far behind the server is. */
    public long lag() {
        return lag;
    }

    /** Stops {@link #run} (from another thread); the consumer leaves the group and its partitions move to the others. */
    @Override
    public void close() {
        closing = true;
        consumer.wakeup();
    }
}
