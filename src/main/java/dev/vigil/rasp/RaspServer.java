package dev.vigil.rasp;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The agent's end of the RASP: unix sockets the attached JVMs connect to, one per filesystem they
 * live in (the host's, each container's). Any local process can connect, so a connection speaks only
 * after its first line, the hello, shows the token Vigil gave that JVM when it attached; the rest
 * is counted and closed. Each line after is one JSON object: an event, or the JVM's counters.
 */
public final class RaspServer implements AutoCloseable {
    /** A line longer than this is not an event the RASP writes: skipped and counted. */
    static final int MAX_LINE = 256 * 1024;

    /** What the server hands on. */
    public interface Listener {
        /**
         * An event line of an attached JVM. A line that asks for a verdict waits in the JVM until
         * `answer` runs (with true to block); the listener runs it as soon as it knows, and the
         * server runs it with false if the listener did not.
         */
        void event(Attached jvm, Map<String, Object> line, java.util.function.Consumer<Boolean> answer);

        /** The JVM's hello or counters changed its state (connected, hooks, drops). */
        void changed(Attached jvm);
    }

    /** One attached JVM, as its connection describes it. */
    public static final class Attached {
        public final Jvm jvm;
        final String token;
        volatile SocketChannel channel;
        public volatile List<String> hooks = List.of();
        public volatile Map<String, Object> stats = Map.of();
        public final AtomicLong events = new AtomicLong();

        Attached(Jvm jvm, String token) {
            this.jvm = jvm;
            this.token = token;
        }

        public boolean connected() {
            return channel != null;
        }

        /** What the JVM shows in its hello; given to it through its attach listener, which only root and the JVM's own user may use. */
        public String token() {
            return token;
        }
    }

    private final ObjectMapper json = new ObjectMapper();
    private final Listener listener;
    private final Map<String, Attached> byToken = new ConcurrentHashMap<>();
    private final List<ServerSocketChannel> servers = new CopyOnWriteArrayList<>();
    /** Each socket this server bound, with its file's identity: on close it removes a socket file only while it is still its own. */
    private final Map<Path, Object> sockets = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong(), malformed = new AtomicLong();
    private volatile boolean closed;

    public RaspServer(Listener listener) {
        this.listener = listener;
    }

    /** Listens on `socket` (the host's, or one in a container's filesystem through /proc/PID/root), unless it does already. */
    public synchronized void listen(Path socket) throws IOException {
        if (sockets.containsKey(socket)) {
            return;
        }
        Files.deleteIfExists(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        // JVMs of every user connect; the token, not the mode, says who may speak
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        servers.add(server);
        sockets.put(socket, Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class).fileKey());
        Thread.ofPlatform().daemon().name("vigil-rasp-accept").start(() -> accept(server));
    }

    /** The token a JVM must show to speak, given to it as it is attached. */
    public Attached expect(Jvm jvm) {
        byte[] raw = new byte[16];
        new java.security.SecureRandom().nextBytes(raw);
        String token = java.util.HexFormat.of().formatHex(raw);
        Attached a = new Attached(jvm, token);
        byToken.put(token, a);
        return a;
    }

    /** Connections closed unheard: no hello, or a token no attached JVM was given. */
    public long refused() {
        return refused.get();
    }

    /** Lines skipped: not a JSON object, or longer than MAX_LINE. */
    public long malformed() {
        return malformed.get();
    }

    public void forget(Attached a) {
        byToken.remove(a.token);
    }

    /** Asks the JVM to put its classes back; true when it was connected to hear it. */
    public boolean detach(Attached a) {
        SocketChannel ch = a.channel;
        if (ch == null) {
            return false;
        }
        try {
            write(ch, "detach");
            return true;
        } catch (IOException gone) {
            return false;
        }
    }

    private void accept(ServerSocketChannel server) {
        while (!closed) {
            try {
                SocketChannel ch = server.accept();
                // a platform thread per JVM (a few): a JVM waiting for a verdict is answered without a virtual thread's wake-up hops
                Thread.ofPlatform().daemon().name("vigil-rasp-conn").start(() -> serve(ch));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void serve(SocketChannel ch) {
        Attached who = null;
        try (ch) {
            LineReader lines = new LineReader(ch);
            String first = lines.next();
            Map<String, Object> hello = first == null ? null : parse(first);
            who = hello == null || !(hello.get("token") instanceof String t) ? null : byToken.get(t);
            if (who == null || !sameUser(ch, who.jvm)) {
                who = null;
                refused.incrementAndGet();
                return;
            }
            write(ch, "welcome");
            who.channel = ch;
            who.hooks = strings(hello.get("hooks"));
            stats(who, hello.get("stats"));
            listener.changed(who);
            for (String line; (line = lines.next()) != null; ) {
                Map<String, Object> m = parse(line);
                if (m == null) {
                    continue;
                }
                if (m.containsKey("sent") && !m.containsKey("event")) {
                    stats(who, m);
                    listener.changed(who);
                    continue;
                }
                who.events.incrementAndGet();
                boolean[] answered = {false};
                java.util.function.Consumer<Boolean> answer = block -> {
                    if (!answered[0] && m.get("ask") instanceof Number id) {
                        answered[0] = true;
                        try {
                            write(ch, "v " + id.longValue() + (block ? " block" : " ok"));
                        } catch (IOException gone) {
                            // the JVM goes on without a verdict after its wait
                        }
                    }
                };
                listener.event(who, m, answer);
                answer.accept(false);
            }
        } catch (IOException gone) {
            // the JVM exited or detached
        } finally {
            if (who != null && who.channel == ch) {
                who.channel = null;
                listener.changed(who);
            }
        }
    }

    /**
     * Whether the peer runs as the JVM's user (the socket's SO_PEERCRED), besides knowing its token:
     * a token read out of the JVM by another user is no use to that user.
     */
    private static boolean sameUser(SocketChannel ch, Jvm jvm) {
        try {
            var peer = ch.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED);
            String name = peer.user().getName();
            return name.equals(Integer.toString(jvm.uid())) || name.equals(userName(jvm.uid()));
        } catch (IOException | UnsupportedOperationException noCredentials) {
            return true; // the token alone, where the platform cannot say
        }
    }

    private static String userName(int uid) {
        try (var lines = java.nio.file.Files.lines(java.nio.file.Path.of("/etc/passwd"))) {
            return lines.map(l -> l.split(":")).filter(f -> f.length > 2 && f[2].equals(Integer.toString(uid))).map(f -> f[0]).findFirst().orElse("");
        } catch (IOException | RuntimeException unreadable) {
            return "";
        }
    }

    private void stats(Attached who, Object stats) {
        if (stats instanceof Map<?, ?> m) {
            Map<String, Object> copy = new java.util.LinkedHashMap<>();
            m.forEach((k, v) -> {
                if (v instanceof Number || v instanceof String s && s.length() < 512) {
                    copy.put(String.valueOf(k), v);
                }
            });
            who.stats = copy;
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> parse(String line) {
        try {
            Object o = json.readValue(line, Object.class);
            if (o instanceof Map<?, ?> m) {
                return (Map<String, Object>) m;
            }
        } catch (IOException notJson) {
            // counted below
        }
        malformed.incrementAndGet();
        return null;
    }

    private static List<String> strings(Object o) {
        if (!(o instanceof List<?> l)) {
            return List.of();
        }
        return l.stream().filter(String.class::isInstance).map(String.class::cast).limit(64).toList();
    }

    private static void write(SocketChannel ch, String line) throws IOException {
        ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII));
        synchronized (ch) {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
    }

    /** Lines of a channel, each at most MAX_LINE bytes: a longer one is skipped whole and counted. */
    private final class LineReader {
        private final SocketChannel ch;
        private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        private boolean skipping;

        LineReader(SocketChannel ch) {
            this.ch = ch;
            in.flip();
        }

        String next() throws IOException {
            while (true) {
                while (in.hasRemaining()) {
                    byte b = in.get();
                    if (b == '\n') {
                        boolean skipped = skipping;
                        skipping = false;
                        String s = line.toString(StandardCharsets.UTF_8);
                        line.reset();
                        if (!skipped) {
                            return s;
                        }
                        continue;
                    }
                    if (skipping) {
                        continue;
                    }
                    if (line.size() >= MAX_LINE) {
                        skipping = true;
                        malformed.incrementAndGet();
                        line.reset();
                        continue;
                    }
                    line.write(b);
                }
                in.clear();
                int n = ch.read(in);
                in.flip();
                if (n < 0) {
                    return null;
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (ServerSocketChannel s : servers) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        sockets.forEach((p, key) -> {
            try {
                if (key.equals(Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).fileKey())) {
                    Files.delete(p);
                }
            } catch (IOException gone) {
                // a container gone with its filesystem, or another agent's socket now
            }
        });
    }
}
