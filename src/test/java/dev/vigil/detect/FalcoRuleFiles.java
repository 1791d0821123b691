package dev.vigil.detect;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Falco's community rule files, kept unchanged beside the repository (never copied into it):
 * {@code -Dvigil.falco.rules=DIR}, else {@code ../shared/third_party/falco-rules}. Missing, the tests
 * that read them skip, except under {@code CI=true}, where a skip would hide what was not tested.
 */
public final class FalcoRuleFiles {
    private FalcoRuleFiles() {}

    public static final List<String> NAMES = List.of("falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml");

    public static Path dir() {
        String given = System.getProperty("vigil.falco.rules");
        for (Path p : given != null ? List.of(Path.of(given))
                : List.of(Path.of("../shared/third_party/falco-rules"))) {
            if (Files.isRegularFile(p.resolve("falco_rules.yaml"))) {
                return p.toAbsolutePath().normalize();
            }
        }
        String why = "Falco's rule files are not beside the repository (../shared/third_party/falco-rules, or -Dvigil.falco.rules=DIR)";
        if ("true".equals(System.getenv("CI"))) {
            throw new IllegalStateException(why + ": under CI=true this fails rather than skips");
        }
        Assumptions.abort(why);
        return null;
    }

    public static Path file(String name) {
        return dir().resolve(name);
    }

    /**
     * Falco's Kubernetes audit rule file, unchanged beside the repository:
     * {@code -Dvigil.falco.k8saudit=FILE}, else {@code ../shared/third_party/falco-k8saudit-rules}.
     */
    public static Path k8sAudit() {
        String given = System.getProperty("vigil.falco.k8saudit");
        Path p = Path.of(given != null ? given : "../shared/third_party/falco-k8saudit-rules/k8s_audit_rules.yaml");
        if (Files.isRegularFile(p)) {
            return p.toAbsolutePath().normalize();
        }
        String why = "Falco's k8saudit rule file is not beside the repository (" + p + ", or -Dvigil.falco.k8saudit=FILE)";
        if ("true".equals(System.getenv("CI"))) {
            throw new IllegalStateException(why + ": under CI=true this fails rather than skips");
        }
        Assumptions.abort(why);
        return null;
    }
}
