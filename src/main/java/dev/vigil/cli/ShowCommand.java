package dev.vigil.cli;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.console.AgentView;
import dev.vigil.console.Console;
import dev.vigil.sink.Escape;
import dev.vigil.store.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code vigil show FILE}: an incident exported by the console, opened offline — loaded into a
 * store of its own in a private temporary directory and served by the same console, until Ctrl-C.
 * No kernel, no root.
 */
@Command(name = "show", description = "Open an incident exported from the console (offline analysis), in a console of its own.")
final class ShowCommand implements Callable<Integer> {
    static final long MAX_BYTES = 256L << 20;

    @Parameters(paramLabel = "FILE", description = "An incident file saved from the console (Export this incident).")
    Path file;

    @Option(names = "--listen", defaultValue = "127.0.0.1:7071", paramLabel = "HOST:PORT", description = "Where to serve it (port 0: a free one).")
    String listen;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such file");
        }
        if (Files.size(file) > MAX_BYTES) {
            throw new IllegalArgumentException(file + ": larger than " + (MAX_BYTES >> 20) + " MiB, not an incident export");
        }
        ObjectMapper json = new ObjectMapper();
        json.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
        JsonNode export;
        try {
            export = json.readTree(file.toFile());
        } catch (IOException bad) {
            throw new IllegalArgumentException(file + ": not JSON (" + Escape.line(String.valueOf(bad.getMessage())).lines().findFirst().orElse("") + ")");
        }
        int colon = listen.lastIndexOf(':');
        if (colon < 1) {
            throw new IllegalArgumentException("--listen takes HOST:PORT, such as 127.0.0.1:7071");
        }
        try (TempDir dir = TempDir.create("vigil-show")) {
            try (Store store = Store.open(dir.path())) {
                store.importIncident(export);
            }
            CountDownLatch stop = new CountDownLatch(1);
            for (String sig : new String[] {"INT", "TERM"}) {
                sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> stop.countDown());
            }
            try (Console console = Console.start(new InetSocketAddress(listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1))),
                    dir.path(), AgentView.offline(file.toString()))) {
                var at = console.address();
                System.err.println("vigil: showing " + Escape.line(export.path("incident").path("title").asText()) + " at http://"
                        + at.getAddress().getHostAddress() + ":" + at.getPort() + "/#incident/" + export.path("incident").path("id").asText()
                        + " token " + console.token() + " (Ctrl-C to close)");
                stop.await();
            }
        }
        return 0;
    }
}
