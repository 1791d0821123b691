package dev.vigil.agent;

import dev.vigil.console.AgentView;
import dev.vigil.console.Console;
import dev.vigil.sink.Escape;

import java.io.IOException;
import java.nio.file.Path;

/** The console of an agent or a server, started on --listen; a console that cannot start never stops the agent. */
public final class ConsoleStart {
    private ConsoleStart() {}

    /** The console, or one line saying why not: the agent runs on without it. */
    public static Console on(String listen, Path dataDir, AgentView agent) {
        int colon = listen.lastIndexOf(':');
        try {
            if (colon < 1) {
                throw new IllegalArgumentException("--listen takes HOST:PORT, such as 127.0.0.1:7070");
            }
            String host = listen.substring(0, colon).replace("[", "").replace("]", "");
            Console c = Console.start(new java.net.InetSocketAddress(host, Integer.parseInt(listen.substring(colon + 1))), dataDir, agent);
            var at = c.address();
            System.err.println("vigil: console http://" + (at.getAddress().getHostAddress().contains(":") ? "[" + at.getAddress().getHostAddress() + "]"
                    : at.getAddress().getHostAddress()) + ":" + at.getPort() + "/ token " + c.token()
                    + " (also in " + dataDir.resolve("console.token") + ")");
            return c;
        } catch (IOException | RuntimeException e) {
            System.err.println("vigil: console not started on " + Escape.line(listen) + ": " + Escape.line(String.valueOf(e.getMessage()))
                    + " (use --listen HOST:PORT, or --no-console); the agent runs on");
            return null;
        }
    }
}
