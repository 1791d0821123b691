package dev.vigil.k8saudit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;

/**
 * Follows a Kubernetes audit log (JSON lines, as the API server's log backend writes it) as it
 * grows, through rotation (the file renamed or truncated: the rest of the old one is read first),
 * and from where it left off after a restart: the file's identity and the offset read are kept in
 * a state file beside the store. A line that is not an audit event is counted and skipped.
 */
public final class AuditFileFollower implements AutoCloseable {
    private static final long POLL_MS = 200;
    /** Far above any audit event; a longer line is skipped unread and counted. */
    static final int MAX_LINE = 16 << 20;

    private final Path file, state;
    private final AuditQueue queue;
    private final String host, cluster;
    private final Thread thread;
    private volatile boolean stop;
    private FileChannel channel;
    private Object identity;
    /** Where the line being read starts: what a restart reads again from. */
    private long offset;
    private long lineBytes;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(4096);
    private boolean overlong;
    private long savedAt;

    private AuditFileFollower(Path file, Path state, AuditQueue queue, String host, String cluster) {
        this.file = file;
        this.state = state;
        this.queue = queue;
        this.host = host;
        this.cluster = cluster;
        this.thread = Thread.ofPlatform().daemon().name("vigil-k8s-audit-file").unstarted(this::run);
    }

    /** Starts following `file`; `state` keeps where it got to (null: start at the beginning every time). */
    public static AuditFileFollower start(Path file, Path state, AuditQueue queue, String host, String cluster) {
        AuditFileFollower f = new AuditFileFollower(file, state, queue, host, cluster);
        f.thread.start();
        return f;
    }

    private void run() {
        while (!stop) {
            try {
                follow();
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                queue.refused("file_unreadable");
                closeChannel();
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException stopped) {
                    return;
                }
            }
        }
    }

    /** Reads what is new; switches to a new file at the path once the old one is read to its end. */
    private void follow() throws IOException, InterruptedException {
        if (channel == null && !open()) {
            return;
        }
        readToEnd();
        BasicFileAttributes now;
        try {
            now = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException gone) {
            return; // rotated away and not yet made again: the old one was read to its end
        }
        if (!now.fileKey().equals(identity) || now.size() < offset) {
            closeChannel();
            line.reset();
            lineBytes = 0;
            overlong = false;
            if (open()) {
                readToEnd();
            }
        }
        save(false);
    }

    private boolean open() throws IOException {
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException notYet) {
            return false;
        }
        Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        long start = 0;
        if (identity == null && state != null && Files.isRegularFile(state)) {
            String[] saved = Files.readString(state, StandardCharsets.UTF_8).trim().split(" ", 2);
            if (saved.length == 2 && saved[1].equals(String.valueOf(key)) && saved[0].matches("\\d{1,18}")
                    && Long.parseLong(saved[0]) <= channel.size()) {
                start = Long.parseLong(saved[0]);
            }
        }
        identity = key;
        channel.position(start);
        offset = start;
        return true;
    }

    private void readToEnd() throws IOException, InterruptedException {
        ByteBuffer buf = ByteBuffer.allocate(64 << 10);
        while (!stop && channel.read(buf) > 0) {
            buf.flip();
            while (buf.hasRemaining()) {
                byte b = buf.get();
                if (b == '\n') {
                    offset += lineBytes + 1;
                    lineBytes = 0;
                    lineDone();
                } else {
                    lineBytes++;
                    if (line.size() < MAX_LINE) {
                        line.write(b);
                    } else {
                        overlong = true;
                    }
                }
            }
            buf.clear();
        }
    }

    private void lineDone() throws InterruptedException {
        byte[] raw = line.toByteArray();
        line.reset();
        if (overlong) {
            overlong = false;
            queue.refused("too_large");
            return;
        }
        if (isBlank(raw)) {
            return;
        }
        try {
            List<Map<String, Object>> events = AuditBody.events(raw, raw.length, host, cluster);
            for (Map<String, Object> e : events) {
                queue.put(e, raw.length / events.size());
            }
        } catch (AuditBody.Refused r) {
            queue.refused(r.cause());
        }
    }

    private static boolean isBlank(byte[] raw) {
        for (byte b : raw) {
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    /** Where the follower got to, at most once a second (and at the end), written whole or not at all. */
    private void save(boolean now) throws IOException {
        long t = System.nanoTime();
        if (state == null || identity == null || !now && t - savedAt < 1_000_000_000L) {
            return;
        }
        savedAt = t;
        Path tmp = state.resolveSibling(state.getFileName() + ".new");
        Files.writeString(tmp, offset + " " + identity + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, state, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private void closeChannel() {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException ignored) {
            // closing a file opened for reading only
        }
        channel = null;
    }

    @Override
    public void close() throws InterruptedException {
        stop = true; // no interrupt: it would close the channel under a read; the loop sees `stop` within a poll
        thread.join(10_000);
        try {
            save(true);
        } catch (IOException e) {
            queue.refused("state_unwritable");
        }
        closeChannel();
    }
}
