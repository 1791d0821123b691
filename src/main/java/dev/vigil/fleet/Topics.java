package dev.vigil.fleet;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** The fleet's compacted topics (the rule set, the hosts' heartbeats), made when missing. */
public final class Topics {
    private Topics() {}

    /**
     * Makes `topic` compacted with `partitions` (and `configs`) unless it exists; one that exists
     * is left as its operator made it. Fails when Kafka refuses (no rights: make it by hand).
     */
    public static void ensureCompacted(String bootstrap, Map<String, String> settings, String topic, int partitions, Map<String, String> configs)
            throws IOException {
        Properties admin = new Properties();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        admin.putAll(settings);
        Map<String, String> all = new HashMap<>(configs);
        all.put("cleanup.policy", "compact");
        Admin a = Admin.create(admin);
        try {
            a.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty()).configs(all))).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IOException("cannot make the compacted topic " + topic + ": " + e.getCause().getMessage(), e);
            }
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException("cannot reach Kafka at " + bootstrap + " to make the topic " + topic + " (30 s)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted making the topic " + topic, e);
        } finally {
            a.close(java.time.Duration.ofSeconds(2)); // what is still pending has failed already
        }
    }
}
