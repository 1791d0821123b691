package dev.vigil.agent;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/** A TLS server context from PEM files, as Kubernetes tooling writes them: certificate chain, PKCS#8 key, and a CA for clients. */
final class Pem {
    private Pem() {}

    /** [certificate, key] or [certificate, key, client CA]. */
    static SSLContext context(List<Path> files) throws IOException {
        if (files.size() < 2 || files.size() > 3) {
            throw new IllegalArgumentException("--k8s-audit-tls takes CERT.pem,KEY.pem or CERT.pem,KEY.pem,CLIENT-CA.pem");
        }
        try {
            CertificateFactory x509 = CertificateFactory.getInstance("X.509");
            Certificate[] chain = x509.generateCertificates(new ByteArrayInputStream(Files.readAllBytes(files.get(0)))).toArray(Certificate[]::new);
            if (chain.length == 0) {
                throw new IllegalArgumentException(files.get(0) + " holds no certificate");
            }
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("server", key(files.get(1)), new char[0], chain);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
            TrustManagerFactory tmf = null;
            if (files.size() == 3) {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                int i = 0;
                for (Certificate ca : x509.generateCertificates(new ByteArrayInputStream(Files.readAllBytes(files.get(2))))) {
                    trust.setCertificateEntry("ca" + i++, ca);
                }
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("TLS files not usable: " + e.getMessage(), e);
        }
    }

    private static PrivateKey key(Path file) throws IOException, GeneralSecurityException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        int begin = text.indexOf("-----BEGIN PRIVATE KEY-----"), end = text.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException(file + " is not a PKCS#8 PEM key (BEGIN PRIVATE KEY): convert it with"
                    + " 'openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8'");
        }
        byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + 27, end));
        for (String alg : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (java.security.spec.InvalidKeySpecException notThisOne) {
                // the next algorithm
            }
        }
        throw new IllegalArgumentException(file + ": a key of an algorithm other than RSA, EC or Ed25519");
    }
}
