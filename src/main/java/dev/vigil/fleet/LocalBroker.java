package dev.vigil.fleet;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A single-node Kafka broker in KRaft mode (broker and controller in one process) on loopback,
 * for trying a fleet set-up and for the tests: Apache Kafka's own server, from the Maven Central
 * artifacts the build puts in {@code target/broker-lib}, run as a child JVM. Its data lives in
 * the directory given; a second start on the same directory keeps the topics. In production, point
 * agents and servers at your own cluster instead.
 */
public final class LocalBroker implements AutoCloseable {
    /** A TLS listener beside the plain one: on 127.0.0.1:`port`, with the broker's key and certificate in a PKCS#12 `keystore`. */
    public record Tls(int port, Path keystore, String password) {}

    private final Process process;
    private final String bootstrap;
    private final String tlsBootstrap;

    private LocalBroker(Process process, String bootstrap, String tlsBootstrap) {
        this.process = process;
        this.bootstrap = bootstrap;
        this.tlsBootstrap = tlsBootstrap;
    }

    /** "127.0.0.1:PORT" of the TLS listener; null without one. */
    public String tlsBootstrap() {
        return tlsBootstrap;
    }

    /** "127.0.0.1:PORT": what clients pass as bootstrap servers. */
    public String bootstrap() {
        return bootstrap;
    }

    /**
     * Starts the broker on 127.0.0.1:`port` (its controller on `port`+1), formatting `dir` on the
     * first start, and returns once it accepts connections.
     */
    public static LocalBroker start(Path dir, int port) throws IOException, InterruptedException {
        return start(dir, port, null);
    }

    /** As {@link #start(Path, int)}, with a TLS listener too when `tls` is given. */
    public static LocalBroker start(Path dir, int port, Tls tls) throws IOException, InterruptedException {
        if (tls != null && (tls.port() < 1 || tls.port() > 65535 || tls.port() == port || tls.port() == port + 1)) {
            throw new IllegalArgumentException("the TLS port must be 1 to 65535 and not the broker's port or the next one, not " + tls.port());
        }
        if (port < 1 || port > 65534) {
            throw new IllegalArgumentException("broker port must be 1 to 65534 (its controller takes the next one), not " + port);
        }
        Path lib = brokerLib();
        Files.createDirectories(dir);
        Path logs = dir.resolve("logs"), config = dir.resolve("server.properties"), log4j = dir.resolve("log4j2.properties");
        String ssl = tls == null ? "" : ",SSL://127.0.0.1:" + tls.port();
        List<String> tlsSettings = tls == null ? List.of() : List.of(
                "ssl.keystore.type=PKCS12",
                "ssl.keystore.location=" + tls.keystore().toAbsolutePath(),
                "ssl.keystore.password=" + tls.password(),
                "ssl.key.password=" + tls.password());
        Files.writeString(config, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + (port + 1),
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + (port + 1) + ssl,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port + ssl,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SSL:SSL",
                String.join("\n", tlsSettings),
                "inter.broker.listener.name=PLAINTEXT",
                "log.dirs=" + logs,
                "num.partitions=4",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=true", ""));
        Files.writeString(log4j, String.join("\n",
                "rootLogger.level=WARN",
                "rootLogger.appenderRef.file.ref=file",
                "appender.file.type=File",
                "appender.file.name=file",
                "appender.file.fileName=" + dir.resolve("broker.log"),
                "appender.file.layout.type=PatternLayout",
                "appender.file.layout.pattern=[%d] %p %m (%c)%n", ""));
        if (!Files.exists(logs.resolve("meta.properties"))) {
            String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
            Process format = new ProcessBuilder(java(lib, log4j, "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", config.toString()))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("format.log").toFile()).start();
            if (!format.waitFor(120, TimeUnit.SECONDS) || format.exitValue() != 0) {
                format.destroyForcibly();
                throw new IOException("formatting the broker's storage in " + logs + " failed: see " + dir.resolve("format.log"));
            }
        }
        Process broker = new ProcessBuilder(java(lib, log4j, "kafka.Kafka", config.toString()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.out").toFile())).start();
        LocalBroker b = new LocalBroker(broker, "127.0.0.1:" + port, tls == null ? null : "127.0.0.1:" + tls.port());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!accepts(port)) {
            if (!broker.isAlive()) {
                throw new IOException("the broker stopped at start (exit " + broker.exitValue() + "): see " + dir.resolve("broker.out")
                        + " and " + dir.resolve("broker.log"));
            }
            if (System.nanoTime() > deadline) {
                b.close();
                throw new IOException("the broker did not open 127.0.0.1:" + port + " within 120 s: see " + dir.resolve("broker.log"));
            }
            Thread.sleep(200);
        }
        return b;
    }

    private static List<String> java(Path lib, Path log4j, String main, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-Dlog4j2.configurationFile=" + log4j,
                "-cp", lib.resolve("*").toString(), main));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    /** target/broker-lib, beside the jar or the classes folder this code came from. */
    static Path brokerLib() throws IOException {
        try {
            Path code = Path.of(LocalBroker.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path lib = code.getParent().resolve("broker-lib");
            if (!Files.isDirectory(lib)) {
                throw new IOException("the Kafka broker's jars are not in " + lib + ": build with ./vigil build");
            }
            return lib;
        } catch (URISyntaxException | SecurityException e) {
            throw new IOException("cannot find the Kafka broker's jars: " + e.getMessage(), e);
        }
    }

    /** Stops the broker (SIGTERM: it closes its logs cleanly), then forcibly after 30 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    /** Waits for the broker to end (on its own or by a signal to it); its exit status. */
    public int waitFor() throws InterruptedException {
        return process.waitFor();
    }

    /** A free port whose next one is free too (a local broker's controller takes it). */
    public static int freePortPair() throws java.io.IOException {
        for (int i = 0; i < 50; i++) {
            int port;
            try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
                port = s.getLocalPort();
            }
            try (java.net.ServerSocket next = new java.net.ServerSocket(port + 1)) {
                return port;
            } catch (java.io.IOException taken) {
                // another
            }
        }
        throw new java.io.IOException("no two free ports in a row");
    }
}
