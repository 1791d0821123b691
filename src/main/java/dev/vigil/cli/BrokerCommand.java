package dev.vigil.cli;

import dev.vigil.fleet.LocalBroker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code vigil broker}: a single-node Kafka (KRaft) broker on loopback, to try a fleet set-up and for the tests. */
@Command(name = "broker", description = "Run a single-node Kafka broker (KRaft) on loopback for trying fleet mode; in production, use your own cluster.")
final class BrokerCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "9092", paramLabel = "PORT", description = "Listen on 127.0.0.1:PORT (the controller takes PORT+1).")
    int port;

    @Option(names = "--data", defaultValue = "/var/lib/vigil/broker", paramLabel = "DIR", description = "Where the broker keeps its topics.")
    Path data;

    @Option(names = "--tls-port", paramLabel = "PORT", description = "Also listen with TLS on 127.0.0.1:PORT (needs --tls-keystore).")
    Integer tlsPort;

    @Option(names = "--tls-keystore", paramLabel = "FILE.p12", description = "The broker's key and certificate (PKCS#12), for --tls-port.")
    Path tlsKeystore;

    @Option(names = "--tls-password-file", paramLabel = "FILE", description = "The keystore's password, first line of FILE.")
    Path tlsPasswordFile;

    @Override
    public Integer call() throws Exception {
        LocalBroker.Tls tls = null;
        if (tlsPort != null || tlsKeystore != null) {
            if (tlsPort == null || tlsKeystore == null || tlsPasswordFile == null) {
                throw new IllegalArgumentException("TLS needs --tls-port, --tls-keystore and --tls-password-file together");
            }
            if (!java.nio.file.Files.isReadable(tlsKeystore)) {
                throw new IllegalArgumentException("cannot read the keystore " + tlsKeystore);
            }
            String password;
            try {
                password = java.nio.file.Files.readAllLines(tlsPasswordFile).stream().findFirst().orElse("");
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("cannot read the keystore's password from " + tlsPasswordFile + ": " + dev.vigil.detect.RuleLoader.why(e));
            }
            tls = new LocalBroker.Tls(tlsPort, tlsKeystore, password);
        }
        LocalBroker broker;
        try {
            broker = LocalBroker.start(data, port, tls);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e.getMessage() + " (choose another folder with --data, or another port with --port)");
        }
        Thread stop = new Thread(() -> {
            try {
                broker.close();
            } catch (InterruptedException ignored) {
                // exiting anyway
            }
        });
        Runtime.getRuntime().addShutdownHook(stop);
        System.err.println("vigil: broker on " + broker.bootstrap() + (tls == null ? "" : ", TLS on " + broker.tlsBootstrap()) + " (data in " + data + ")");
        System.err.println("ready");
        int status = broker.waitFor();
        return status == 0 ? 0 : 1;
    }
}
