package dev.vigil.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.agent.RuleReport;
import dev.vigil.detect.Engine;
import dev.vigil.detect.EventMaps;
import dev.vigil.detect.RuleLoader;
import dev.vigil.detect.RuleSet;
import dev.vigil.k8saudit.AuditEvents;
import dev.vigil.sink.AlertSink;
import dev.vigil.sink.Escape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedInputStream;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code vigil replay FILE.jsonl}: the detection engine over events recorded by {@code vigil
 * events}. A line that cannot be used is reported as {@code file:line: why} and skipped; the rest
 * still replay. Exit 0 when everything was used, 1 when lines or files were skipped, 2 when the
 * rules asked for could not be read.
 */
@Command(name = "replay", description = "Run the rules over events recorded by 'vigil events', or Kubernetes audit events, and print the alerts.")
final class ReplayCommand implements Callable<Integer> {
    /** Far above any event (a record is at most 16 KiB in the kernel); a longer line is skipped unread. */
    static final int MAX_LINE = 16 << 20;
    /** Skipped lines reported one by one; past this only counted. */
    private static final int MAX_REPORTED = 100;

    @Parameters(arity = "1..*", paramLabel = "FILE.jsonl")
    List<Path> files;

    @picocli.CommandLine.Mixin
    RuleOptions rules;

    @Option(names = "--fold", defaultValue = "60", paramLabel = "SECONDS",
            description = "Repeats of a rule in the same process tree or terminal session within SECONDS fold into its first alert,"
                    + " reported as a count when the window closes (0: an alert for every match).")
    long foldSeconds;

    private long skipped;

    @Override
    public Integer call() throws Exception {
        RuleSet set = RuleLoader.load(rules.paths());
        RuleReport.report(set);
        RuleReport.requireReadable(set);
        var out = new BufferedWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8));
        ObjectMapper json = new ObjectMapper();
        json.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxStringLength(MAX_LINE).maxNestingDepth(128).build());
        long events = 0;
        boolean filesMissed = false;
        try (AlertSink sink = new AlertSink(out)) {
            Engine engine = new Engine(set, sink, Engine::lineageFromTree).fold(RuleOptions.foldWindow(foldSeconds));
            for (Path f : files) {
                if (Files.isDirectory(f)) {
                    System.err.println("vigil: " + Escape.line(f.toString()) + ": is a folder, not a file of events; skipped");
                    filesMissed = true;
                    continue;
                }
                try {
                    Object whole = wholeDocument(json, f);
                    if (whole != null) {
                        events += use(engine, f, 1, whole);
                        continue;
                    }
                } catch (IOException e) {
                    // read again below, line by line, where the failure is reported
                }
                try (InputStream in = new BufferedInputStream(Files.newInputStream(f), 1 << 16)) {
                    Lines lines = new Lines(in);
                    for (byte[] raw; (raw = lines.next()) != null; ) {
                        Object parsed = parse(json, f, lines.number(), raw, lines.overlong());
                        if (parsed != null) {
                            events += use(engine, f, lines.number(), parsed);
                        }
                    }
                } catch (IOException e) {
                    System.err.println("vigil: " + Escape.line(f.toString()) + ": cannot read: " + RuleLoader.why(e) + "; skipped");
                    filesMissed = true;
                }
            }
            engine.flush();
            if (skipped > MAX_REPORTED) {
                System.err.println("vigil: … " + (skipped - MAX_REPORTED) + " more skipped lines not listed");
            }
            System.err.println("vigil: replayed " + events + " events" + (skipped > 0 ? " (" + skipped + " lines skipped)" : "")
                    + ", " + engine.alerts() + " alerts" + (engine.folded() > 0 ? ", " + engine.folded() + " repeats folded" : "")
                    + (engine.ruleErrorTotal() > 0
                    ? "; rule evaluation errors " + engine.ruleErrorTotal() + " " + engine.ruleErrors() : ""));
        }
        return skipped > 0 || filesMissed || !set.clean() ? 1 : 0;
    }

    /** Kubernetes audit events batched in one body: more than the API server's webhook batches (400 by default). */
    static final int MAX_BATCH = 100_000;

    /**
     * The events one line (or a whole file) held, given to the engine: a kernel event, or
     * Kubernetes audit events (an Event, an EventList, an array of them). Returns how many.
     */
    private long use(Engine engine, Path f, long line, Object parsed) {
        if (parsed instanceof Map<?, ?> m && !AuditEvents.isAudit(m) && !AuditEvents.claimsAudit(m)) {
            engine.accept(EventMaps.normalise(m));
            return 1;
        }
        AuditEvents.Batch batch = AuditEvents.read(parsed, "", "", MAX_BATCH);
        if (batch.problem() != null) {
            skip(f, line, parsed instanceof List<?> ? "a JSON array, not an event object (nor audit events: " + batch.problem() + ")"
                    : batch.problem());
            return 0;
        }
        batch.events().forEach(engine);
        return batch.events().size();
    }

    /**
     * A file that is one JSON document over several lines (an EventList as kubectl or a log
     * pipeline prints it), parsed whole; null when its first line is JSON by itself (JSON lines,
     * the usual case, read once, line by line), when it is larger than a line may be, or when it
     * is not one document.
     */
    private static Object wholeDocument(ObjectMapper json, Path f) throws IOException {
        if (Files.size(f) > MAX_LINE) {
            return null;
        }
        var strict = json.reader().with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(f), 1 << 16)) {
            Lines lines = new Lines(in);
            byte[] first = lines.next();
            if (first == null || lines.next() == null || parses(strict, first)) {
                return null; // one line, or JSON lines: each line's problems are said as a line's
            }
        }
        Object v;
        try {
            v = strict.readValue(Files.readAllBytes(f), Object.class);
        } catch (JsonProcessingException notOneDocument) {
            return null;
        }
        return v instanceof Map<?, ?> m && AuditEvents.isAudit(m) || v instanceof List<?> ? v : null;
    }

    private static boolean parses(com.fasterxml.jackson.databind.ObjectReader strict, byte[] line) {
        try {
            strict.readTree(line);
            return true;
        } catch (IOException | RuntimeException notJson) {
            return false;
        }
    }

    private void skip(Path f, long line, String why) {
        if (++skipped <= MAX_REPORTED) {
            System.err.println("vigil: " + Escape.line(f + ":" + line + ": " + why) + "; skipped");
        }
    }

    /** One JSON object (or array, for audit events) from one line, or null (said on stderr) when the line is neither. */
    private Object parse(ObjectMapper json, Path f, long line, byte[] raw, boolean overlong) {
        String why;
        if (overlong) {
            why = "longer than " + (MAX_LINE >> 20) + " MiB; not read";
        } else if (isBlank(raw)) {
            return null;
        } else {
            try {
                String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
                Object v = json.readValue(text, Object.class);
                if (v instanceof Map<?, ?> || v instanceof List<?>) {
                    return v;
                }
                why = "a JSON " + (v == null ? "null" : "value") + ", not an event object";
            } catch (CharacterCodingException e) {
                why = "not UTF-8 text";
            } catch (JsonProcessingException e) {
                why = "not JSON: " + e.getOriginalMessage();
            } catch (IOException | RuntimeException e) {
                why = "cannot be read as an event: " + e.getMessage();
            }
        }
        skip(f, line, why);
        return null;
    }

    private static boolean isBlank(byte[] raw) {
        for (byte b : raw) {
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    /** Newline-separated byte lines, each at most {@link #MAX_LINE}; the rest of a longer one is read past, not kept. */
    private static final class Lines {
        private final InputStream in;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream(4096);
        private long number;
        private boolean overlong;

        Lines(InputStream in) {
            this.in = in;
        }

        byte[] next() throws IOException {
            buf.reset();
            overlong = false;
            int b;
            boolean any = false;
            while ((b = in.read()) != -1) {
                any = true;
                if (b == '\n') {
                    break;
                }
                if (buf.size() < MAX_LINE) {
                    buf.write(b);
                } else {
                    overlong = true;
                }
            }
            if (!any) {
                return null;
            }
            number++;
            return buf.toByteArray();
        }

        long number() {
            return number;
        }

        boolean overlong() {
            return overlong;
        }
    }
}
