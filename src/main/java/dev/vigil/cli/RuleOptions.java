package dev.vigil.cli;

import dev.vigil.agent.RulePaths;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Which rules run: the stock pack, or --rules instead of it or with it (a picocli mixin of run, server and agent). */
final class RuleOptions {
    @Option(names = "--rules", paramLabel = "PATH", description = "Rule file or folder (repeatable); replaces the stock pack unless --add-rules.")
    List<Path> rules = new ArrayList<>();

    @Option(names = "--add-rules", description = "Load --rules in addition to the stock pack.")
    boolean addRules;

    /** The files and folders to load, the stock pack first when it runs. */
    List<Path> paths() {
        return RulePaths.resolve(rules, addRules);
    }

    static java.time.Duration foldWindow(long seconds) {
        if (seconds < 0 || seconds > 86_400) {
            throw new IllegalArgumentException("--fold must be 0 to 86400 seconds, not " + seconds);
        }
        return java.time.Duration.ofSeconds(seconds);
    }

}
