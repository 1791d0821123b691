package dev.vigil.fleet;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Records kept on disk while Kafka cannot take them, oldest first, in segment files of a private
 * directory, bounded in bytes: when full, the oldest segment is dropped and its records counted.
 * One writer (the agent's publishing path) appends; one reader (the drainer) takes segments in
 * order once they are closed. Records: topic (UTF), length, bytes.
 */
public final class Journal implements AutoCloseable {
    private static final long SEGMENT_BYTES = 4L << 20;

    /** One spooled record. */
    public record Entry(String topic, byte[] value) {}

    private final Path dir;
    private final long maxBytes;
    private final ArrayDeque<Path> closed = new ArrayDeque<>();
    private final ArrayDeque<Long> closedRecords = new ArrayDeque<>();
    private DataOutputStream out;
    private Path open;
    private long openBytes, openRecords, totalBytes, next, dropped, spooled;

    public Journal(Path dir, long maxBytes) throws IOException {
        this.dir = dir;
        this.maxBytes = maxBytes;
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try (Stream<Path> old = Files.list(dir)) { // what an earlier run could not send goes first
            for (Path p : old.filter(f -> f.getFileName().toString().endsWith(".seg")).sorted().toList()) {
                closed.add(p);
                closedRecords.add(-1L);
                totalBytes += Files.size(p);
                next = Math.max(next, Long.parseLong(p.getFileName().toString().replace(".seg", "")) + 1);
            }
        }
    }

    public synchronized void append(String topic, byte[] value) throws IOException {
        if (out == null) {
            open = dir.resolve(String.format("%012d.seg", next++));
            out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(open), 1 << 16));
            openBytes = 0;
            openRecords = 0;
        }
        out.writeUTF(topic);
        out.writeInt(value.length);
        out.write(value);
        long n = 2 + topic.length() + 4 + value.length;
        openBytes += n;
        openRecords++;
        totalBytes += n;
        spooled++;
        if (openBytes >= SEGMENT_BYTES) {
            seal();
        }
        while (totalBytes > maxBytes && !closed.isEmpty()) {
            Path oldest = closed.pollFirst();
            long records = closedRecords.pollFirst();
            totalBytes -= Files.size(oldest);
            dropped += records < 0 ? countRecords(oldest) : records;
            Files.deleteIfExists(oldest);
        }
    }

    /** Closes the segment being written, so the reader can have it. */
    public synchronized void seal() throws IOException {
        if (out == null) {
            return;
        }
        out.close();
        closed.addLast(open);
        closedRecords.addLast(openRecords);
        out = null;
    }

    /** The oldest closed segment, or null; read it with {@link #read} and remove it with {@link #done} once sent. */
    public synchronized Path oldest() {
        return closed.peekFirst();
    }

    /** Nothing spooled: no closed segment and nothing in the one being written. */
    public synchronized boolean isEmpty() {
        return closed.isEmpty() && (out == null || openRecords == 0);
    }

    public static List<Entry> read(Path segment) throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(segment), 1 << 16))) {
            while (true) {
                String topic;
                try {
                    topic = in.readUTF();
                } catch (EOFException end) {
                    return entries;
                }
                byte[] value = new byte[in.readInt()];
                in.readFully(value);
                entries.add(new Entry(topic, value));
            }
        } catch (EOFException torn) {
            return entries; // a record cut short by a crash: what was whole is kept
        }
    }

    private static long countRecords(Path segment) {
        try {
            return read(segment).size();
        } catch (IOException unreadable) {
            return 0;
        }
    }

    /** The segment has been delivered: gone from disk. */
    public synchronized void done(Path segment) throws IOException {
        if (segment.equals(closed.peekFirst())) {
            closed.pollFirst();
            closedRecords.pollFirst();
        }
        totalBytes -= Files.size(segment);
        Files.deleteIfExists(segment);
    }

    /** Records dropped because the journal was full (the oldest go first). */
    public synchronized long dropped() {
        return dropped;
    }

    /** Records written to the journal in all. */
    public synchronized long spooled() {
        return spooled;
    }

    @Override
    public synchronized void close() throws IOException {
        seal();
    }
}
