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
 * acknowledged by all in-sync replicas, batched and zstd-compressed. Sending never blocks the
 * caller for long (the sensor thread must keep draining the kernel).
 *
 * While the broker is away the client keeps records in memory (its buffer) and retries; when that
 * is full, or a record's delivery times out, records go to the {@link Journal} on disk, and every
 * later one after them, so that order holds; a thread sends the journal back in order once the
 * broker answers, then records go straight to Kafka again. Without a journal, or when it cannot be
 * written, a record is counted as failed with the last reason.
 */
public final class EventPublisher implements AutoCloseable {
    /** The producer's compression, batch size and linger, chosen by measurement (`vigil bench`, fleet: docs/benchmarks.md). */
    private static final String COMPRESSION_TYPE = "zstd";
    private static final int BATCH_BYTES = 256 * 1024, LINGER_MS = 20;
    public static final String COMPRESSION = COMPRESSION_TYPE + ", batches up to " + BATCH_BYTES + " bytes, " + LINGER_MS + " ms linger";
    private final KafkaProducer<String, byte[]> producer;
    private final String host;
    private final AtomicLong sent = new AtomicLong(), failed = new AtomicLong(), replayed = new AtomicLong(), inFlight = new AtomicLong();
    private volatile String lastError = "";
    private final Journal journal;
    /** Records go to the journal (the broker was away); switched under {@code journal}'s lock, see {@link #drain}. */
    private volatile boolean spooling;
    private volatile boolean closing;
    private final Thread drainer;

    /** `settings`: further client settings passed through as given (TLS, SASL: see the README). */
    public EventPublisher(String bootstrap, String host, Map<String, String> settings) {
        this(bootstrap, host, settings, null);
    }

    /** With `journal` (may be null): where records wait while the broker is away. */
    public EventPublisher(String bootstrap, String host, Map<String, String> settings, Journal journal) {
        this.host = host;
        this.journal = journal;
        this.producer = producer(bootstrap, settings, Map.of(ProducerConfig.CLIENT_ID_CONFIG, "vigil-agent-" + host,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000"));
        if (journal != null && !journal.isEmpty()) {
            spooling = true; // what an earlier run could not send goes first
        }
        this.drainer = journal == null ? null : Thread.ofPlatform().daemon().name("vigil-journal").start(this::drainLoop);
    }

    /**
     * A producer as every Vigil publisher makes one: idempotent, acknowledged by all in-sync
     * replicas, zstd batches of {@link #BATCH_BYTES} after {@link #LINGER_MS}, a send blocking at
     * most 200 ms; then `defaults`, then the user's `settings` over all of them.
     */
    static KafkaProducer<String, byte[]> producer(String bootstrap, Map<String, String> settings, Map<String, String> defaults) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, COMPRESSION_TYPE);
        p.put(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(LINGER_MS));
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(BATCH_BYTES));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "200");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.putAll(defaults);
        p.putAll(settings);
        return new KafkaProducer<>(p);
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

    /** Sends one record to `topic` under this host's key (or to the journal while the broker is away); never throws. */
    public void publish(String topic, byte[] value) {
        if (spooling && spool(topic, value)) {
            return;
        }
        inFlight.incrementAndGet();
        try {
            producer.send(new ProducerRecord<>(topic, host, value), (meta, error) -> {
                inFlight.decrementAndGet();
                if (error == null) {
                    sent.incrementAndGet();
                } else {
                    lastError = error.getClass().getSimpleName() + ": " + error.getMessage();
                    if (journal == null || !startSpooling(topic, value)) {
                        failed.incrementAndGet();
                    }
                }
            });
        } catch (RuntimeException e) { // a KafkaException, or a setting the client refuses for this record
            inFlight.decrementAndGet();
            lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
            if (journal == null || !startSpooling(topic, value)) {
                failed.incrementAndGet();
            }
        }
    }

    private boolean startSpooling(String topic, byte[] value) {
        synchronized (journal) {
            spooling = true;
            return append(topic, value);
        }
    }

    /** Into the journal if still spooling (checked under its lock); false when not spooling any more. */
    private boolean spool(String topic, byte[] value) {
        synchronized (journal) {
            if (!spooling) {
                return false;
            }
            if (!append(topic, value)) {
                failed.incrementAndGet();
            }
            return true;
        }
    }

    private boolean append(String topic, byte[] value) {
        try {
            journal.append(topic, value);
            return true;
        } catch (java.io.IOException e) {
            lastError = "journal: " + e.getMessage();
            return false;
        }
    }

    /** Every second while spooling: send the journal back in order, segment by segment; stop spooling once it is empty. */
    private void drainLoop() {
        while (!closing) {
            try {
                Thread.sleep(1000);
                if (spooling) {
                    drain();
                }
            } catch (InterruptedException stop) {
                return;
            } catch (RuntimeException | java.io.IOException e) {
                lastError = "journal: " + e.getMessage();
            }
        }
    }

    private void drain() throws java.io.IOException, InterruptedException {
        while (!closing) {
            java.nio.file.Path segment;
            synchronized (journal) {
                if (journal.isEmpty()) {
                    spooling = false;
                    return;
                }
                if (journal.oldest() == null) {
                    journal.seal();
                }
                segment = journal.oldest();
            }
            List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> acks = new java.util.ArrayList<>();
            try {
                for (Journal.Entry e : Journal.read(segment)) {
                    acks.add(producer.send(new ProducerRecord<>(e.topic(), host, e.value())));
                }
                for (var ack : acks) {
                    ack.get(30, java.util.concurrent.TimeUnit.SECONDS);
                }
            } catch (RuntimeException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException stillAway) {
                return; // the broker is not back: the segment stays, and is sent again next time (at least once)
            }
            sent.addAndGet(acks.size());
            replayed.addAndGet(acks.size());
            journal.done(segment);
        }
    }

    /** Records sent from the journal once the broker came back. */
    public long replayed() {
        return replayed.get();
    }

    /** Records written to the journal while the broker was away, and dropped from it when it was full. */
    public long spooled() {
        return journal == null ? 0 : journal.spooled();
    }

    public long journalDropped() {
        return journal == null ? 0 : journal.dropped();
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

    /**
     * Gives the broker up to `wait` to take what is in flight and what was spooled. Then, with a
     * journal, what it did not take is aborted into the journal (the next run sends it): a stop
     * while the broker is away takes `wait`, not the client's delivery timeout.
     */
    public synchronized void close(Duration wait) {
        if (closing) {
            return;
        }
        long deadline = System.nanoTime() + wait.toNanos();
        if (journal == null) {
            closing = true;
            producer.close(wait);
            return;
        }
        while ((spooling || inFlight.get() > 0) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        closing = true;
        drainer.interrupt();
        producer.close(Duration.ofSeconds(5)); // unsent batches fail now, and their callbacks spool them
        try {
            journal.close();
        } catch (java.io.IOException e) {
            lastError = "journal: " + e.getMessage();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
