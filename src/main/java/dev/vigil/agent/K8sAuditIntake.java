package dev.vigil.agent;

import dev.vigil.console.Token;
import dev.vigil.k8saudit.AuditFileFollower;
import dev.vigil.k8saudit.AuditQueue;
import dev.vigil.sink.Escape;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The agent's Kubernetes audit sources, as asked for on the command line: the webhook, a followed
 * audit log, or both, feeding one queue whose events go to `pipeline` (the store and the rules).
 */
public final class K8sAuditIntake implements AutoCloseable {
    /** What the command line asked for; listen or file may be null. */
    public record Options(String listen, boolean insecure, List<Path> tls, Path file, String cluster, Path dataDir) {
        public boolean any() {
            return listen != null || file != null;
        }
    }

    private final AuditQueue queue;
    private AuditWebhook webhook;
    private AuditFileFollower follower;

    private K8sAuditIntake(AuditQueue queue) {
        this.queue = queue;
    }

    /** The sources started; a bad address, certificate or token file ends in IllegalArgumentException with what to do. */
    public static K8sAuditIntake start(Options o, String host, Consumer<Map<String, Object>> pipeline) {
        K8sAuditIntake in = new K8sAuditIntake(new AuditQueue(AuditQueue.CAPACITY, pipeline));
        try {
            if (o.listen() != null) {
                in.webhook = AuditWebhook.start(address(o.listen()), access(o), in.queue, host, o.cluster());
                System.err.println("vigil: Kubernetes audit webhook " + in.webhook.url()
                        + (o.insecure() ? " (no token: loopback only)" : o.tls() != null && o.tls().size() == 3
                        ? " (clients need a certificate from " + o.tls().get(2) + ")" : " (bearer token in " + o.dataDir().resolve(TOKEN_FILE) + ")"));
            }
            if (o.file() != null) {
                in.follower = AuditFileFollower.start(o.file(), o.dataDir() == null ? null : o.dataDir().resolve("k8s-audit-file.offset"),
                        in.queue, host, o.cluster());
                System.err.println("vigil: following the Kubernetes audit log " + Escape.line(o.file().toString()));
            }
            return in;
        } catch (IOException | RuntimeException e) {
            in.closeQuietly();
            throw new IllegalArgumentException("Kubernetes audit not started: " + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
        }
    }

    static final String TOKEN_FILE = "k8s-audit.token";

    private static AuditWebhook.Access access(Options o) throws IOException {
        if (o.insecure()) {
            return new AuditWebhook.Access(null, null, false);
        }
        javax.net.ssl.SSLContext tls = o.tls() == null ? null : Pem.context(o.tls());
        boolean clientCerts = o.tls() != null && o.tls().size() == 3;
        Files.createDirectories(o.dataDir());
        return new AuditWebhook.Access(clientCerts ? null : Token.load(o.dataDir(), TOKEN_FILE), tls, clientCerts);
    }

    private static InetSocketAddress address(String listen) {
        int colon = listen.lastIndexOf(':');
        if (colon < 1 || !listen.substring(colon + 1).matches("\\d{1,5}")) {
            throw new IllegalArgumentException("--k8s-audit takes HOST:PORT, such as 0.0.0.0:8765");
        }
        return new InetSocketAddress(listen.substring(0, colon).replace("[", "").replace("]", ""), Integer.parseInt(listen.substring(colon + 1)));
    }

    public AuditQueue queue() {
        return queue;
    }

    public String summary() {
        return queue.summary();
    }

    private void closeQuietly() {
        try {
            close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops taking events, then lets what is queued reach the rules. */
    @Override
    public void close() throws InterruptedException {
        if (webhook != null) {
            webhook.close();
        }
        if (follower != null) {
            follower.close();
        }
        queue.close();
    }
}
