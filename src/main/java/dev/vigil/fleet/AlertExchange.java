package dev.vigil.fleet;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The servers' alerts, shared on the alerts topic (keyed by host), so that every server's console
 * shows every host's alerts: each server publishes the alerts it raises and stores the ones the
 * others raised. The events behind another server's alert stay in that server's store; the alert
 * carries its own events and ancestry, from which the incident and its graph are drawn.
 */
public final class AlertExchange implements AutoCloseable {
    private final KafkaProducer<String, byte[]> producer;
    private final TopicFollower follower;
    private final String topic;
    private final AtomicLong sent = new AtomicLong(), failed = new AtomicLong();

    /** Publishes to `topic`, and hands records of the last `history` on it to `onRecord` (key, value) from its own thread. */
    public AlertExchange(String bootstrap, Map<String, String> settings, String topic, Duration history,
                         TopicFollower.OnRecord onRecord, Consumer<String> onError) {
        this.topic = topic;
        this.producer = EventPublisher.producer(bootstrap, settings, Map.of());
        this.follower = TopicFollower.follow(bootstrap, settings, topic, System.currentTimeMillis() - history.toMillis(), onRecord, onError);
    }

    /** Sends one alert of `host`; never blocks for long, never throws (a failure is counted). */
    public void publish(String host, byte[] alert) {
        try {
            producer.send(new ProducerRecord<>(topic, host, alert), (meta, error) -> (error == null ? sent : failed).incrementAndGet());
        } catch (RuntimeException e) {
            failed.incrementAndGet();
        }
    }

    public long sent() {
        return sent.get();
    }

    public long failed() {
        return failed.get();
    }

    @Override
    public void close() {
        follower.close();
        producer.close(Duration.ofSeconds(10));
    }
}
