package dev.vigil.testing;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The suite leaves nothing in the temporary directories. Tests make their files where an attacker
 * would (rules look for drops in /tmp), in folders the agents they start and the tools those run
 * (a browser profile; SQLite's native library, where the build did not unpack it) also write to; whatever the run added under
 * Vigil's names, or those tools', is removed when the run ends, on success or failure. What was
 * there before the run is never touched.
 */
public final class TempLeftovers implements LauncherSessionListener {
    private static final List<Path> DIRS = List.of(Path.of("/tmp"), Path.of("/var/tmp"));
    private static final List<String> PREFIXES = List.of("vigil-", "vigil_", "sqlite-", "org.chromium.Chromium.");
    private final Set<Path> before = new HashSet<>();

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        before.addAll(ours());
    }

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        int removed = 0;
        for (Path p : ours()) {
            if (!before.contains(p)) {
                delete(p);
                removed++;
            }
        }
        if (removed > 0) {
            System.err.println("tests: removed " + removed + " temporary files and folders the run left in /tmp and /var/tmp");
        }
    }

    private static Set<Path> ours() {
        Set<Path> out = new HashSet<>();
        for (Path dir : DIRS) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> PREFIXES.stream().anyMatch(p.getFileName().toString()::startsWith)).forEach(out::add);
            } catch (IOException unreadable) {
                // nothing to compare
            }
        }
        return out;
    }

    private static void delete(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException gone) {
            // removed meanwhile
        }
    }
}
