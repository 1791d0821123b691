package dev.vigil.agent;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Where rules come from: --rules paths, else the stock pack in rules/ beside the installation. */
public final class RulePaths {
    private RulePaths() {}

    public static List<Path> resolve(List<Path> given, boolean addToDefaults) {
        List<Path> out = new ArrayList<>();
        if (given == null || given.isEmpty() || addToDefaults) {
            out.add(stockPack());
        }
        if (given != null) {
            out.addAll(given);
        }
        return out;
    }

    public static Path stockPack() {
        String home = System.getProperty("vigil.home");
        if (home != null && Files.isDirectory(Path.of(home, "rules"))) {
            return Path.of(home, "rules");
        }
        try {
            Path jar = Path.of(RulePaths.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = jar; p != null; p = p.getParent()) {
                if (Files.isDirectory(p.resolve("rules")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                    return p.resolve("rules");
                }
            }
        } catch (URISyntaxException | RuntimeException ignored) {
            // fall through
        }
        return Path.of("rules");
    }
}
