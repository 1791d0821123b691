package dev.vigil.detect;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Falco's community rule files, kept unchanged beside the repository (never copied into it):
 * {@code -Dvigil.falco.rules=DIR}, else {@code ../shared/third_party/falco-rules}, else
 * {@code /work/shared/third_party/falco-rules}.
 */
public final class FalcoRuleFiles {
    private FalcoRuleFiles() {}

    public static final List<String> NAMES = List.of("falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml");

    public static Path dir() {
        String given = System.getProperty("vigil.falco.rules");
        for (Path p : given != null ? List.of(Path.of(given))
                : List.of(Path.of("../shared/third_party/falco-rules"), Path.of("/work/shared/third_party/falco-rules"))) {
            if (Files.isRegularFile(p.resolve("falco_rules.yaml"))) {
                return p.toAbsolutePath().normalize();
            }
        }
        Assumptions.abort("Falco's rule files are not beside the repository (../shared/third_party/falco-rules)");
        return null;
    }

    public static Path file(String name) {
        return dir().resolve(name);
    }
}
