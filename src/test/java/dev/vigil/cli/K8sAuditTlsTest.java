package dev.vigil.cli;

import dev.vigil.detect.FalcoRuleFiles;
import dev.vigil.k8saudit.AuditFixture;
import org.junit.jupiter.api.Test;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;

import static dev.vigil.k8saudit.AuditFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The webhook over TLS with client certificates, as an API server's webhook kubeconfig sets it up:
 * a CA of the test's own (made with openssl) signs the webhook's certificate and the API server's
 * client certificate; a client with that certificate gets in, one without is refused in the handshake.
 */
class K8sAuditTlsTest {
    private static void openssl(Path dir, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }

    private static SSLContext client(Path dir, boolean withCertificate) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (var in = Files.newInputStream(dir.resolve("ca.pem"))) {
            trust.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (withCertificate) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (var in = Files.newInputStream(dir.resolve("client.p12"))) {
                keys.load(in, "pw".toCharArray());
            }
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, "pw".toCharArray());
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    @Test
    void onlyAClientWithACertificateFromTheCaGetsIn() throws Exception {
        Path dir = Files.createTempDirectory("vigil-k8s-tls");
        try {
            openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=test-ca");
            openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
            Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
            openssl(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem",
                    "-days", "2", "-extfile", "san.ext");
            openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=kube-apiserver");
            openssl(dir, "x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.pem", "-days", "2");
            openssl(dir, "pkcs12", "-export", "-in", "client.pem", "-inkey", "client.key", "-out", "client.p12", "-passout", "pass:pw");
            Path data = dir.resolve("data");
            try (AgentProcess agent = AgentProcess.start("--rules", FalcoRuleFiles.k8sAudit().toString(), "--k8s-audit", "127.0.0.1:0",
                    "--k8s-audit-tls", dir.resolve("server.pem") + "," + dir.resolve("server.key") + "," + dir.resolve("ca.pem"),
                    "--data", data.toString(), "--no-console")) {
                String line = agent.stderr.stream().filter(l -> l.startsWith("vigil: Kubernetes audit webhook ")).findFirst().orElseThrow();
                String url = line.split(" ")[4];
                assertEquals("https", URI.create(url).getScheme(), line);
                HttpRequest post = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(AuditFixture.eventList(List.of(request("get", "secrets", "shop", "tls"))))).build();
                HttpClient without = HttpClient.newBuilder().sslContext(client(dir, false)).build();
                assertThrows(IOException.class, () -> without.send(post, HttpResponse.BodyHandlers.ofString()), "no client certificate, no handshake");
                HttpClient with = HttpClient.newBuilder().sslContext(client(dir, true)).build();
                assertEquals(200, with.send(post, HttpResponse.BodyHandlers.ofString()).statusCode());
                agent.await("K8s Secret Get Successfully", a -> a.get("output").asText().contains("secret=tls"));
                assertEquals(0, agent.stop());
            }
        } finally {
            K8sAuditLiveTest.deleteTree(dir);
        }
    }
}
