package dev.vigil.cli;

import dev.vigil.agent.K8sAuditIntake;
import dev.vigil.fleet.ClusterPublisher;
import dev.vigil.fleet.Journal;
import dev.vigil.sink.Escape;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Fleet mode's Kubernetes audit intake (`vigil agent` and `vigil server` with --k8s-audit or
 * --k8s-audit-file): the events go to the events topic under their cluster's key, where the
 * servers' consumer group evaluates and stores them as it does a host's events.
 */
final class ClusterAudit implements AutoCloseable {
    private final K8sAuditIntake intake;
    private final ClusterPublisher publisher;

    private ClusterAudit(K8sAuditIntake intake, ClusterPublisher publisher) {
        this.intake = intake;
        this.publisher = publisher;
    }

    /**
     * Null when no audit source was asked for. The token and the followed file's offset are kept in
     * `stateDir`, events waiting for the broker in `journalDir`; `local` (may be null) also gets
     * each event (an agent detecting locally).
     */
    static ClusterAudit start(K8sAuditOptions o, KafkaOptions kafka, Map<String, String> settings, Path stateDir, Path journalDir,
                              long journalBytes, String host, Consumer<Map<String, Object>> local) {
        K8sAuditIntake.Options options = o.intake(stateDir);
        if (!options.any()) {
            return null;
        }
        Journal journal;
        try {
            journal = new Journal(journalDir, journalBytes);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot use " + journalDir + " for audit events waiting for Kafka: " + dev.vigil.detect.RuleLoader.why(e));
        }
        ClusterPublisher publisher = new ClusterPublisher(kafka.bootstrap, kafka.topic, o.cluster, settings, journal);
        try {
            K8sAuditIntake intake = K8sAuditIntake.start(options, host, e -> {
                publisher.publish(e);
                if (local != null) {
                    local.accept(e);
                }
            });
            System.err.println("vigil: Kubernetes audit events go to " + Escape.line(kafka.topic) + " under the key "
                    + Escape.line(ClusterPublisher.key(o.cluster)) + (o.cluster.isEmpty() ? " (name the cluster with --cluster NAME)" : ""));
            return new ClusterAudit(intake, publisher);
        } catch (RuntimeException e) {
            publisher.close(java.time.Duration.ofSeconds(1));
            throw e;
        }
    }

    /** Stops taking events, lets the queued ones reach Kafka (or the journal), and says what became of them. */
    @Override
    public void close() {
        try {
            intake.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        publisher.close(java.time.Duration.ofSeconds(15));
        System.err.println("vigil: " + intake.summary());
        System.err.println("vigil: " + Escape.line(publisher.summary()));
    }
}
