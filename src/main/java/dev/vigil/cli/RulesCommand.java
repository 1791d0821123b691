package dev.vigil.cli;

import dev.vigil.detect.RuleException;
import dev.vigil.detect.RuleLoader;
import dev.vigil.detect.RuleSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code vigil rules check PATH…}: validate rule files without running. */
@Command(name = "rules", description = "Work with rule files.", subcommands = RulesCommand.Check.class)
final class RulesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("vigil: 'vigil rules' needs a subcommand: vigil rules check PATH… (see vigil rules --help)");
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
}
