package dev.vigil.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Kubernetes cluster's audit events to the events topic, keyed by the cluster (see
 * {@link #key}): one cluster's events stay in order on one partition, and the server that owns it
 * holds the cluster's rule state (a burst of refused secret reads counts across every intake of
 * that cluster), as a host's events do for the host.
 */
public final class ClusterPublisher implements AutoCloseable {
    /** What a cluster's key starts with, so that a server tells clusters from hosts. */
    public static final String KEY_PREFIX = "k8s:";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final EventPublisher publisher;
    private final String topic;
    private final AtomicLong unwritable = new AtomicLong();

    /** With `journal` (may be null): where records wait while the broker is away. */
    public ClusterPublisher(String bootstrap, String topic, String cluster, Map<String, String> settings, Journal journal) {
        this.topic = topic;
        this.publisher = new EventPublisher(bootstrap, key(cluster), settings, journal);
    }

    /** The Kafka key of a cluster's audit events. */
    public static String key(String cluster) {
        return KEY_PREFIX + cluster;
    }

    public static boolean isCluster(String key) {
        return key.startsWith(KEY_PREFIX);
    }

    /** One audit event as the intake made it; never throws, never blocks for long. */
    public void publish(Map<String, Object> event) {
        byte[] value;
        try {
            value = JSON.writeValueAsBytes(event);
        } catch (JsonProcessingException e) { // not expected of parsed JSON; counted rather than lost silently
            unwritable.incrementAndGet();
            return;
        }
        publisher.publish(topic, value);
    }

    public EventPublisher publisher() {
        return publisher;
    }

    /** What became of the cluster's audit events, for the last lines of a run. */
    public String summary() {
        EventPublisher p = publisher;
        return "audit events of " + p.host() + ": " + p.sent() + " delivered to Kafka, " + p.spooled() + " spooled while it was away, "
                + p.journalDropped() + " dropped from a full spool, " + (p.failed() + unwritable.get()) + " failed"
                + (p.failed() > 0 ? " (last: " + p.lastError() + ")" : "");
    }

    public void close(Duration wait) {
        publisher.close(wait);
    }

    @Override
    public void close() {
        publisher.close();
    }
}
