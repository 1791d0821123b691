package dev.vigil.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.vigil.console.Token;
import dev.vigil.k8saudit.AuditBody;
import dev.vigil.k8saudit.AuditQueue;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The Kubernetes API server's audit webhook backend: {@code POST /k8s-audit} with an
 * {@code EventList} (what the API server batches), an array of events or one event. Each body is
 * checked (who sent it, its type and size, its JSON within bounds) and its events queued whole
 * for the rules; the API server is answered before any rule runs. Access is TLS with client
 * certificates, or a bearer token, or neither on loopback only when asked. Every refusal is a
 * 4xx or 503 and a counter, never a crash: this port faces the network.
 */
public final class AuditWebhook implements AutoCloseable {
    public static final String PATH = "/k8s-audit";
    /** Larger bodies are refused with 413 before they are read. */
    public static final int MAX_BODY = 12 << 20;

    /** How the webhook lets senders in: a bearer token, a TLS context (client certificates when it asks for them), or neither. */
    public record Access(Token token, SSLContext tls, boolean clientCertificates) {
        public boolean open() {
            return token == null && !clientCertificates;
        }
    }

    private final HttpServer http;
    private final AuditQueue queue;
    private final Access access;
    private final String host, cluster;

    private AuditWebhook(HttpServer http, AuditQueue queue, Access access, String host, String cluster) {
        this.http = http;
        this.queue = queue;
        this.access = access;
        this.host = host;
        this.cluster = cluster;
    }

    public static AuditWebhook start(InetSocketAddress at, Access access, AuditQueue queue, String host, String cluster) throws IOException {
        if (access.open() && !at.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("a webhook without a token or client certificates listens on loopback only");
        }
        HttpServer http;
        if (access.tls() != null) {
            HttpsServer https = HttpsServer.create(at, 64);
            https.setHttpsConfigurator(new HttpsConfigurator(access.tls()) {
                @Override
                public void configure(HttpsParameters params) {
                    var p = access.tls().getDefaultSSLParameters();
                    p.setNeedClientAuth(access.clientCertificates());
                    params.setSSLParameters(p);
                }
            });
            http = https;
        } else {
            http = HttpServer.create(at, 64);
        }
        AuditWebhook w = new AuditWebhook(http, queue, access, host, cluster);
        http.createContext("/", w::handle);
        http.setExecutor(Executors.newFixedThreadPool(2, Thread.ofPlatform().daemon().name("vigil-k8s-webhook-", 0).factory()));
        http.start();
        return w;
    }

    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** Where the API server posts, as its webhook configuration names it. */
    public String url() {
        var at = address();
        String a = at.getAddress().getHostAddress();
        return (access.tls() != null ? "https" : "http") + "://" + (a.contains(":") ? "[" + a + "]" : a) + ":" + at.getPort() + PATH;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!ex.getRequestURI().getPath().equals(PATH)) {
                refuse(ex, 404, "not_found", "no such path: the API server posts to " + PATH);
                return;
            }
            if (!ex.getRequestMethod().equals("POST")) {
                ex.getResponseHeaders().set("Allow", "POST");
                refuse(ex, 405, "method", "POST audit events to " + PATH);
                return;
            }
            if (access.token() != null && !bearer(ex)) {
                refuse(ex, 401, "unauthorized", "a bearer token is needed (the token file named when the agent started)");
                return;
            }
            String type = ex.getRequestHeaders().getFirst("Content-Type");
            if (type == null || !type.toLowerCase(Locale.ROOT).trim().startsWith("application/json")) {
                refuse(ex, 415, "content_type", "the body must be application/json");
                return;
            }
            String length = ex.getRequestHeaders().getFirst("Content-Length");
            if (length != null && length.trim().matches("\\d{1,18}") && Long.parseLong(length.trim()) > MAX_BODY) {
                refuse(ex, 413, "too_large", "bodies over " + (MAX_BODY >> 20) + " MiB are refused");
                return;
            }
            int expected = length != null && length.trim().matches("\\d{1,9}") ? Integer.parseInt(length.trim()) : 64 << 10;
            byte[] body = read(ex.getRequestBody(), Math.min(MAX_BODY + 1, expected + 1));
            if (body == null) {
                refuse(ex, 413, "too_large", "bodies over " + (MAX_BODY >> 20) + " MiB are refused");
                return;
            }
            if (!queue.roomFor(body.length)) {
                queue.refused("queue_full");
                ex.getResponseHeaders().set("Retry-After", "1");
                answer(ex, 503, "the agent's queue is full: send again");
                return;
            }
            List<Map<String, Object>> events;
            try {
                events = AuditBody.events(body, body.length, host, cluster);
            } catch (AuditBody.Refused r) {
                refuse(ex, r.cause().equals("too_many") ? 413 : 400, r.cause(), r.getMessage());
                return;
            }
            if (!queue.offerAll(events, body.length)) {
                ex.getResponseHeaders().set("Retry-After", "1");
                answer(ex, 503, "the agent's queue is full: send again");
                return;
            }
            answer(ex, 200, "{}");
        } catch (IOException | RuntimeException e) {
            queue.refused("failed");
        }
    }

    /** The whole body, read into a buffer that grows up to MAX_BODY; null when it is longer. */
    private static byte[] read(InputStream in, int initial) throws IOException {
        byte[] buf = new byte[Math.max(1, initial)];
        int n = 0;
        for (int r; (r = in.read(buf, n, buf.length - n)) > 0; ) {
            n += r;
            if (n == buf.length) {
                if (n > MAX_BODY) {
                    return null; // not read further: the connection closes with the 413
                }
                buf = java.util.Arrays.copyOf(buf, Math.min(MAX_BODY + 1, buf.length * 2));
            }
        }
        return java.util.Arrays.copyOf(buf, n);
    }

    private boolean bearer(HttpExchange ex) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        return auth != null && auth.startsWith("Bearer ") && access.token().matches(auth.substring(7).trim());
    }

    private void refuse(HttpExchange ex, int status, String cause, String why) throws IOException {
        queue.refused(cause);
        answer(ex, status, why);
    }

    private static void answer(HttpExchange ex, int status, String text) throws IOException {
        byte[] b = (text + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", status == 200 ? "application/json" : "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
