package dev.vigil.agent;

import dev.vigil.detect.RuleLoader;
import dev.vigil.detect.RuleSet;
import dev.vigil.fleet.RulesFeed;
import dev.vigil.sink.Escape;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/** A rule set pushed to the fleet, written to disk and loaded, or refused with one line while the previous rules run on. */
public final class PushedRules {
    private PushedRules() {}

    /**
     * A pushed rule set, written to a private folder of the data directory and loaded as files are;
     * null (said on stderr) when it has errors: the previous rules keep running.
     */
    public static RuleSet load(RulesFeed.Push push, Path into) {
        try {
            Path dir = into.resolve(String.valueOf(push.ts()));
            Files.createDirectories(into, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            int n = 0;
            for (String text : push.files().values()) {
                Files.writeString(dir.resolve(String.format("%03d.yaml", ++n)), text);
            }
            RuleSet next = RuleLoader.load(RulePaths.resolve(List.of(dir), push.withStock()));
            String what = "rule set pushed from " + Escape.line(push.from()) + " (" + push.files().size() + " files: "
                    + Escape.line(String.join(", ", push.files().keySet())) + ")";
            if (!next.clean()) {
                System.err.println("vigil: " + what + " refused, the previous rules keep running: " + Escape.line(next.errors().getFirst().getMessage()));
                return null;
            }
            System.err.println("vigil: " + what + " loaded: " + next.detections().size() + " detections");
            return next;
        } catch (IOException | RuntimeException e) {
            System.err.println("vigil: a pushed rule set could not be used, the previous rules keep running: " + Escape.line(String.valueOf(e.getMessage())));
            return null;
        }
    }
}
