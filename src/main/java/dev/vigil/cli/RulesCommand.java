package dev.vigil.cli;

import dev.vigil.agent.RuleDrivenCollection;
import dev.vigil.agent.RulePaths;
import dev.vigil.detect.RuleException;
import dev.vigil.detect.RuleLoader;
import dev.vigil.detect.RuleSet;
import dev.vigil.sink.Escape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code vigil rules check PATH…}: validate rule files without running. */
@Command(name = "rules", description = "Work with rule files.", subcommands = {RulesCommand.Check.class, RulesCommand.Push.class})
final class RulesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("vigil: 'vigil rules' needs a subcommand: vigil rules check PATH…, or vigil rules push --kafka HOST:PORT PATH… (see vigil rules --help)");
        return 2;
    }

    @Command(name = "check", description = "Validate rule files or folders: exit 0 when clean, 1 with errors (one per line).")
    static final class Check implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "PATH", description = "Rule files or folders of *.yaml.")
        List<Path> paths;

        @Option(names = "--collect", description = "Also print what these rules make the kernel collect: the hooks attached and left out, the paths watched.")
        boolean collect;

        @Override
        public Integer call() {
            RuleSet set = RuleLoader.load(paths);
            for (RuleException e : set.errors()) {
                System.out.println(Escape.line(e.getMessage()));
            }
            for (RuleException w : set.warnings()) {
                System.out.println("warning: " + Escape.line(w.getMessage()));
            }
            System.out.println(set.detections().size() + " detections loaded, " + set.errors().size() + " errors"
                    + (set.warnings().isEmpty() ? "" : ", " + set.warnings().size() + " warnings"));
            if (collect) {
                RuleDrivenCollection.print(set.collection(), System.out);
            }
            return set.clean() ? 0 : 1;
        }
    }

    /**
     * {@code vigil rules push --kafka HOST:PORT PATH…}: the fleet's rule set, published to the compacted
     * rules topic that every server follows. Checked here first: a set with errors is never pushed.
     */
    @Command(name = "push", description = "Publish rule files to Kafka as the fleet's rule set; servers load it (a set with errors is refused here, before it leaves).")
    static final class Push implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        KafkaOptions kafka;

        @picocli.CommandLine.Option(names = "--add-rules", description = "Run the stock pack too, with these files (as vigil run --add-rules).")
        boolean addRules;

        @Parameters(arity = "1..*", paramLabel = "PATH", description = "Rule files or folders of *.yaml.")
        List<java.nio.file.Path> paths;

        @Override
        public Integer call() throws Exception {
            dev.vigil.detect.RuleSet set = dev.vigil.detect.RuleLoader.load(RulePaths.resolve(paths, addRules));
            if (!set.clean()) {
                set.errors().forEach(e -> System.err.println("vigil: " + Escape.line(e.getMessage())));
                System.err.println("vigil: not pushed: fix the errors above (vigil rules check shows them)");
                return 1;
            }
            java.util.Map<String, String> files = new java.util.LinkedHashMap<>();
            java.util.List<dev.vigil.detect.RuleException> unreadable = new java.util.ArrayList<>();
            for (java.nio.file.Path p : paths) {
                for (java.nio.file.Path f : dev.vigil.detect.RuleLoader.ruleFiles(p, unreadable)) {
                    files.put(files.size() + 1 + "-" + f.getFileName(), java.nio.file.Files.readString(f));
                }
            }
            try {
                dev.vigil.fleet.RulesFeed.push(kafka.bootstrap, kafka.settings(), kafka.rulesTopic,
                        new dev.vigil.fleet.RulesFeed.Push(files, addRules, System.currentTimeMillis() * 1_000_000L, dev.vigil.enrich.Enricher.hostname()));
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException(e.getMessage());
            }
            System.err.println("vigil: pushed " + files.size() + " rule files (" + set.detections().size() + " detections"
                    + (addRules ? ", with the stock pack" : "") + ") to " + kafka.rulesTopic);
            return 0;
        }
    }
}
