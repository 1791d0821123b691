package dev.vigil.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.smile.SmileFactory;
import com.fasterxml.jackson.dataformat.smile.SmileGenerator;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.internals.ByteBufferOutputStream;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How the fleet's wire format was chosen: the same events as JSON (what `vigil agent` sends),
 * Smile and CBOR (binary encodings of the same objects, by Jackson), in bytes per event as written
 * and as Kafka compresses a batch of them (lz4, zstd), in events encoded and decoded per second on
 * one core, and in how many events each carries without loss (a file name or argv that is not
 * UTF-8 is text the binary encoders refuse: those are measured with the bad bytes replaced).
 */
final class WireFormats {
    /** About what one producer batch of 20 ms holds at a busy host's rate. */
    private static final int BATCH = 500;
    private static final int ROUNDS = 7;

    private record Format(String name, ObjectMapper mapper) {}

    private WireFormats() {}

    static void compare(PrintStream out, List<byte[]> jsonLines) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Map<?, ?>> events = new ArrayList<>();
        for (byte[] line : jsonLines) {
            events.add(json.readValue(line, Map.class));
        }
        List<Format> formats = List.of(new Format("JSON", json),
                new Format("Smile", new ObjectMapper(SmileFactory.builder().enable(SmileGenerator.Feature.CHECK_SHARED_STRING_VALUES).build())),
                new Format("CBOR", new ObjectMapper(new CBORFactory())));
        List<List<byte[]>> encoded = new ArrayList<>();
        List<Integer> lossy = new ArrayList<>();
        encoded.add(jsonLines); // as the agent writes them: bytes that were not UTF-8 travel as escaped lone surrogates
        lossy.add(0);
        for (Format f : formats.subList(1, formats.size())) {
            List<byte[]> bytes = new ArrayList<>(events.size());
            int refused = 0;
            for (Map<?, ?> e : events) {
                try {
                    bytes.add(f.mapper().writeValueAsBytes(e));
                } catch (IOException notText) {
                    refused++;
                    bytes.add(f.mapper().writeValueAsBytes(json.readValue(replaceLoneSurrogates(json.writeValueAsString(e)), Map.class)));
                }
            }
            encoded.add(bytes);
            lossy.add(refused);
        }
        long[][] encodeNs = new long[formats.size()][], decodeNs = new long[formats.size()][];
        for (int i = 0; i < formats.size(); i++) {
            encodeNs[i] = new long[] {Long.MAX_VALUE};
            decodeNs[i] = new long[] {Long.MAX_VALUE};
        }
        List<Map<?, ?>> clean = new ArrayList<>();
        for (byte[] b : encoded.get(1)) {
            clean.add(formats.get(1).mapper().readValue(b, Map.class)); // every format encodes the same (clean) objects in the timing
        }
        for (int round = 0; round < ROUNDS + 2; round++) { // formats interleaved, so that none has the JIT's warm-up to itself; two rounds of warm-up
            for (int i = 0; i < formats.size(); i++) {
                ObjectMapper m = formats.get(i).mapper();
                long t0 = System.nanoTime();
                for (Map<?, ?> e : clean) {
                    m.writeValueAsBytes(e);
                }
                long t1 = System.nanoTime();
                for (byte[] b : encoded.get(i)) {
                    m.readValue(b, Map.class);
                }
                long t2 = System.nanoTime();
                if (round >= 2) {
                    encodeNs[i][0] = Math.min(encodeNs[i][0], t1 - t0);
                    decodeNs[i][0] = Math.min(decodeNs[i][0], t2 - t1);
                }
            }
        }
        out.printf("fleet: wire formats, %,d events (compressed: batches of %d, as the producer sends them; rates: one core, best of %d rounds)%n",
                events.size(), BATCH, ROUNDS);
        out.printf("fleet:   %-6s %9s %9s %9s %13s %13s %16s%n", "format", "bytes/ev", "lz4", "zstd", "encode ev/s", "decode ev/s", "not carried");
        for (int i = 0; i < formats.size(); i++) {
            List<byte[]> bytes = encoded.get(i);
            double n = bytes.size();
            out.printf("fleet:   %-6s %9.0f %9.0f %9.0f %,13.0f %,13.0f %16s%n", formats.get(i).name(),
                    bytes.stream().mapToLong(b -> b.length).sum() / n, compressed(bytes, Compression.lz4().build()) / n,
                    compressed(bytes, Compression.zstd().build()) / n, n / (encodeNs[i][0] / 1e9), n / (decodeNs[i][0] / 1e9),
                    lossy.get(i) == 0 ? "0" : lossy.get(i) + " (not UTF-8)");
        }
        long lz4 = Long.MAX_VALUE, zstd = Long.MAX_VALUE;
        for (int round = 0; round < ROUNDS + 2; round++) {
            long l = compress(encoded.getFirst(), Compression.lz4().build())[1], z = compress(encoded.getFirst(), Compression.zstd().build())[1];
            if (round >= 2) {
                lz4 = Math.min(lz4, l);
                zstd = Math.min(zstd, z);
            }
        }
        out.printf("fleet:   compressing the JSON on one core: lz4 %.2f µs per event, zstd %.2f µs per event%n",
                lz4 / 1e3 / events.size(), zstd / 1e3 / events.size());
    }

    /** Bytes of `records` compressed by Kafka's own codec in batches of {@link #BATCH}. */
    private static long compressed(List<byte[]> records, Compression codec) throws IOException {
        return compress(records, codec)[0];
    }

    /** Bytes of `records` compressed in batches, and the nanoseconds that took. */
    private static long[] compress(List<byte[]> records, Compression codec) throws IOException {
        long total = 0, start = System.nanoTime();
        for (int i = 0; i < records.size(); i += BATCH) {
            ByteBufferOutputStream buffer = new ByteBufferOutputStream(1 << 20);
            try (OutputStream z = codec.wrapForOutput(buffer, RecordBatch.CURRENT_MAGIC_VALUE)) {
                for (byte[] r : records.subList(i, Math.min(records.size(), i + BATCH))) {
                    z.write(r);
                }
            }
            total += buffer.position();
        }
        return new long[] {total, System.nanoTime() - start};
    }

    /** The JSON text with every escaped lone surrogate (a byte that was not UTF-8) as U+FFFD: what a binary encoder can carry. */
    private static String replaceLoneSurrogates(String jsonText) {
        StringBuilder sb = new StringBuilder(jsonText.length());
        for (int i = 0; i < jsonText.length(); i++) {
            char c = jsonText.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < jsonText.length() && Character.isLowSurrogate(jsonText.charAt(i + 1))) {
                sb.append(c).append(jsonText.charAt(++i));
            } else {
                sb.append(Character.isSurrogate(c) ? '\ufffd' : c);
            }
        }
        return sb.toString();
    }
}
