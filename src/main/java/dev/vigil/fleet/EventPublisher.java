package dev.vigil.fleet;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One host's records to a Kafka topic, keyed by its host id: a host's events stay in order on one
 * partition, and the consumer that owns the partition holds the host's rule state. Idempotent,
 * acknowledged by all in-sync replicas, batched and lz4-compressed. Sending never blocks the
 * caller for long (the sensor thread must keep draining the kernel): a record the client cannot
 * take is counted as failed, with the last reason, and shown.
 */
public final class EventPublisher implements AutoCloseable {
    private final KafkaProducer<String, byte[]> producer;
    private final String host;
    private final AtomicLong sent = new AtomicLong(), failed = new AtomicLong();
    private volatile String lastError = "";

    /** `settings`: further client settings passed through as given (TLS, SASL: see the README). */
    public EventPublisher(String bootstrap, String host, Map<String, String> settings) {
        this.host = host;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "vigil-agent-" + host);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "200");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.putAll(settings);
        this.producer = new KafkaProducer<>(p);
    }

    /**
     * Waits (up to `max`) until the client knows where `topics` live, so the first records are not
     * refused for want of metadata (a send waits at most 200 ms for it). False when the broker did
     * not answer in time: records then fail and are counted until it does.
     */
    public boolean awaitTopics(List<String> topics, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        for (String topic : topics) {
            while (true) {
                try {
                    producer.partitionsFor(topic);
                    break;
                } catch (KafkaException notYet) {
                    if (System.nanoTime() > deadline) {
                        lastError = notYet.getClass().getSimpleName() + ": " + notYet.getMessage();
                        return false;
                    }
                }
            }
        }
        return true;
    }

    public String host() {
        return host;
    }

    /** Sends one record to `topic` under this host's key; never throws. */
    public void publish(String topic, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, host, value), (meta, error) -> {
                if (error == null) {
                    sent.incrementAndGet();
                } else {
                    failed.incrementAndGet();
                    lastError = error.getClass().getSimpleName() + ": " + error.getMessage();
                }
            });
        } catch (KafkaException | IllegalStateException e) {
            failed.incrementAndGet();
            lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    /** Records the broker acknowledged. */
    public long sent() {
        return sent.get();
    }

    /** Records that could not be delivered (the broker away past the delivery timeout, the client's buffer full). */
    public long failed() {
        return failed.get();
    }

    public String lastError() {
        return lastError;
    }

    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
    }
}
