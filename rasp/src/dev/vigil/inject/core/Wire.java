package dev.vigil.inject.core;

import java.io.Closeable;
import java.io.IOException;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The way out of the JVM: one line of JSON per event, through a bounded queue, over the agent's
 * unix socket, on a thread of its own. The application's threads never wait on the agent, but for a
 * call that asked for a verdict (a process start), and then at most {@link #VERDICT_WAIT_MS}. When
 * the agent is gone, what does not fit in the queue is dropped and counted, and the count reaches
 * the agent when it is back. The first line on each connection is the hello with the token the
 * agent attached with: only a JVM it attached may speak on its socket.
 */
final class Wire implements Closeable {
    static final int CAPACITY = 4096;
    static final long VERDICT_WAIT_MS = 200;
    private static final long RECONNECT_MS = 1000;
    private static final long STATS_MS = 5000;
    private static final long WELCOME_WAIT_MS = 2000;

    private final String path;
    private final Hello hello;
    private final Runnable onDetach;
    private final ArrayBlockingQueue<String> queue = new ArrayBlockingQueue<String>(CAPACITY);
    private final ConcurrentHashMap<Long, String[]> waiting = new ConcurrentHashMap<Long, String[]>();
    private final AtomicLong ids = new AtomicLong();
    final AtomicLong sent = new AtomicLong(), dropped = new AtomicLong(), verdictTimeouts = new AtomicLong();
    private volatile SocketChannel channel;
    private volatile boolean closed;
    private final Thread sender;

    /** What the agent hears first on each connection. */
    interface Hello {
        String line();

        String stats();
    }

    Wire(String path, Hello hello, Runnable onDetach) {
        this.path = path;
        this.hello = hello;
        this.onDetach = onDetach;
        sender = new Thread(this::send, "vigil-rasp-sender");
        sender.setDaemon(true);
    }

    /** Connects (and keeps connecting) on its own thread. */
    void start() {
        sender.start();
    }

    /** Queues an event; false (and counted) when the queue is full. */
    boolean offer(String line) {
        if (queue.offer(line)) {
            return true;
        }
        dropped.incrementAndGet();
        return false;
    }

    long nextId() {
        return ids.incrementAndGet();
    }

    /**
     * Sends an event that asks for a verdict and waits for it: "ok", "block", or null when none came
     * in time. The asking thread writes it itself: a hand-over to the sender thread would add its
     * wake-up to every wait.
     */
    String ask(long id, String line) {
        SocketChannel ch = channel;
        if (ch == null) {
            offer(line);
            return null;
        }
        String[] box = new String[1];
        waiting.put(id, box);
        try {
            try {
                write(ch, line);
                sent.incrementAndGet();
            } catch (IOException gone) {
                dropped.incrementAndGet();
                return null;
            }
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(VERDICT_WAIT_MS);
            synchronized (box) {
                while (box[0] == null && !closed) {
                    long left = until - System.nanoTime();
                    if (left <= 0) {
                        verdictTimeouts.incrementAndGet();
                        break;
                    }
                    box.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                }
                return box[0];
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            waiting.remove(id);
        }
    }

    private void send() {
        long lastStats = System.nanoTime();
        while (!closed) {
            try {
                SocketChannel ch = channel;
                if (ch == null) {
                    ch = connect();
                    if (ch == null) {
                        Thread.sleep(RECONNECT_MS);
                        continue;
                    }
                }
                String line = queue.poll(1, TimeUnit.SECONDS);
                if (System.nanoTime() - lastStats > TimeUnit.MILLISECONDS.toNanos(STATS_MS)) {
                    write(ch, hello.stats());
                    lastStats = System.nanoTime();
                }
                if (line != null) {
                    write(ch, line);
                    sent.incrementAndGet();
                }
            } catch (IOException gone) {
                disconnect();
                dropped.incrementAndGet();
            } catch (InterruptedException stop) {
                return;
            }
        }
    }

    private SocketChannel connect() {
        SocketChannel ch = null;
        try {
            ch = (SocketChannel) SocketChannel.class.getMethod("open", ProtocolFamily.class).invoke(null, StandardProtocolFamily.valueOf("UNIX"));
            Object address = Class.forName("java.net.UnixDomainSocketAddress").getMethod("of", String.class).invoke(null, path);
            ch.connect((SocketAddress) address);
            final SocketChannel reading = ch;
            final java.util.concurrent.CountDownLatch welcome = new java.util.concurrent.CountDownLatch(1);
            Thread reader = new Thread(() -> read(reading, welcome), "vigil-rasp-reader");
            reader.setDaemon(true);
            reader.start();
            write(ch, hello.line());
            // nothing is sent before the agent took the hello: to an agent that refused it, it would be lost uncounted
            if (!welcome.await(WELCOME_WAIT_MS, TimeUnit.MILLISECONDS)) {
                ch.close();
                return null;
            }
            channel = ch;
            return ch;
        } catch (Exception agentNotThere) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // not connected anyway
                }
            }
            return null;
        }
    }

    /** One line, whole: the sender thread and the threads that ask write to one channel. */
    private static void write(SocketChannel ch, String line) throws IOException {
        ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        synchronized (ch) {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
    }

    /** The agent's lines: "welcome" takes the hello; "v ID ok|block" answers an ask; "detach" puts the original classes back. */
    private void read(SocketChannel ch, java.util.concurrent.CountDownLatch welcome) {
        ByteBuffer in = ByteBuffer.allocate(4096);
        StringBuilder line = new StringBuilder();
        try {
            while (!closed && ch.read(in) >= 0) {
                in.flip();
                while (in.hasRemaining()) {
                    char c = (char) (in.get() & 0xff);
                    if (c != '\n') {
                        if (line.length() < 256) {
                            line.append(c);
                        }
                        continue;
                    }
                    if (line.toString().equals("welcome")) {
                        welcome.countDown();
                    } else {
                        heard(line.toString());
                    }
                    line.setLength(0);
                }
                in.clear();
            }
        } catch (IOException gone) {
            // the sender notices and reconnects
        }
        if (channel == ch) {
            disconnect();
        }
    }

    private void heard(String line) {
        if (line.equals("detach")) {
            Thread t = new Thread(onDetach, "vigil-rasp-detach");
            t.setDaemon(true);
            t.start();
            return;
        }
        String[] parts = line.split(" ");
        if (parts.length == 3 && parts[0].equals("v")) {
            try {
                String[] box = waiting.get(Long.parseLong(parts[1]));
                if (box != null) {
                    synchronized (box) {
                        box[0] = parts[2];
                        box.notifyAll();
                    }
                }
            } catch (NumberFormatException ignored) {
                // not a verdict
            }
        }
    }

    private void disconnect() {
        SocketChannel ch = channel;
        channel = null;
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    boolean connected() {
        return channel != null;
    }

    @Override
    public void close() {
        closed = true;
        sender.interrupt();
        dropped.addAndGet(queue.size()); // never sent: the agent was away
        SocketChannel ch = channel;
        if (ch != null) {
            try {
                write(ch, hello.stats());
            } catch (IOException ignored) {
                // gone already
            }
        }
        disconnect();
        for (String[] box : waiting.values()) {
            synchronized (box) {
                box.notifyAll();
            }
        }
    }
}
