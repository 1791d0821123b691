package dev.vigil.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.detect.Engine;
import dev.vigil.detect.EventMaps;
import dev.vigil.detect.RuleException;
import dev.vigil.detect.RuleLoader;
import dev.vigil.detect.RuleSet;
import dev.vigil.sink.AlertSink;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code vigil replay FILE.jsonl}: the detection engine over events recorded by {@code vigil events}. */
@Command(name = "replay", description = "Run the rules over events recorded by 'vigil events' and print the alerts.")
final class ReplayCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE.jsonl")
    List<Path> files;

    @Option(names = "--rules", paramLabel = "PATH", description = "Rule file or folder (repeatable); replaces the stock pack unless --add-rules.")
    List<Path> rules = new ArrayList<>();

    @Option(names = "--add-rules", description = "Load --rules in addition to the stock pack.")
    boolean addRules;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws Exception {
        RuleSet set = RuleLoader.load(RulePaths.resolve(rules, addRules));
        for (RuleException e : set.errors()) {
            System.err.println("vigil: " + Escape.line(e.getMessage()));
        }
        var out = new BufferedWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8));
        ObjectMapper json = new ObjectMapper();
        long events = 0, bad = 0;
        try (AlertSink sink = new AlertSink(out)) {
            Engine engine = new Engine(set, sink, Engine::lineageFromTree);
            for (Path f : files) {
                try (BufferedReader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                    for (String line; (line = in.readLine()) != null; ) {
                        if (line.isBlank()) {
                            continue;
                        }
                        try {
                            engine.accept(EventMaps.normalise(json.readValue(line, Map.class)));
                            events++;
                        } catch (JsonProcessingException notJson) {
                            bad++;
                        }
                    }
                }
            }
            System.err.println("vigil: replayed " + events + " events" + (bad > 0 ? " (" + bad + " lines were not JSON and were skipped)" : "")
                    + ", " + engine.alerts() + " alerts");
        }
        return 0;
    }
}
