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

    @Override
    public Integer call() throws Exception {
        LocalBroker broker;
        try {
            broker = LocalBroker.start(data, port);
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
        System.err.println("vigil: broker on " + broker.bootstrap() + " (data in " + data + ")");
        System.err.println("ready");
        int status = broker.waitFor();
        return status == 0 ? 0 : 1;
    }
}
