package dev.vigil.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** A private temporary directory (0700), removed with all it holds when closed, whatever happened inside. */
public record TempDir(Path path) implements AutoCloseable {
    public static TempDir create(String prefix) throws IOException {
        return new TempDir(Files.createTempDirectory(prefix));
    }

    @Override
    public void close() {
        try (var files = Files.walk(path)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException gone) {
            // already removed, or partly: nothing more to do
        }
    }
}
