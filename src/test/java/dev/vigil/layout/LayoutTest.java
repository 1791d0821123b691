package dev.vigil.layout;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The folder tree is the data flow: a package may use those before it in {@link #FLOW}, never one
 * after it; the benchmarks and what only they use stay out of the agent's sources; one command
 * never calls another.
 */
class LayoutTest {
    /** event is the shared vocabulary; then the data flow, sources (the kernel, Kubernetes audit logs, the JVM RASP) to console; fleet, agent and cli assemble it. */
    static final List<String> FLOW = List.of("event", "bpf", "sensor", "k8saudit", "rasp", "integrity", "enrich", "detect", "sink", "store", "console", "fleet",
            "agent", "cli");

    private static final Pattern USE = Pattern.compile("\\bdev\\.vigil\\.(\\w+)\\.");

    private static List<Path> sources(String root) throws IOException {
        try (Stream<Path> s = Files.walk(Path.of(root))) {
            return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }

    @Test
    void nothingReachesBackUpstream() throws IOException {
        List<String> wrong = new ArrayList<>();
        for (Path f : sources("src/main/java/dev/vigil")) {
            String pkg = f.getParent().getFileName().toString();
            int at = FLOW.indexOf(pkg);
            if (at < 0) {
                wrong.add(f + ": package " + pkg + " has no place in the flow");
                continue;
            }
            Matcher m = USE.matcher(Files.readString(f));
            while (m.find()) {
                int used = FLOW.indexOf(m.group(1));
                if (used > at) {
                    wrong.add(f + " (" + pkg + ") uses dev.vigil." + m.group(1) + ", which comes after it");
                }
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void benchmarksStayOutOfTheAgent() throws IOException {
        List<String> wrong = new ArrayList<>();
        for (Path f : sources("src/main/java")) {
            String text = Files.readString(f);
            for (String banned : List.of("dev.vigil.bench", "jackson.dataformat.smile", "jackson.dataformat.cbor", "BenchPrograms")) {
                if (text.contains(banned)) {
                    wrong.add(f + " uses " + banned);
                }
            }
        }
        for (Path f : sources("src/bench/java")) {
            if (!f.toString().contains("/dev/vigil/bench/")) {
                wrong.add(f + " is a benchmark outside dev.vigil.bench");
            }
        }
        String pom = Files.readString(Path.of("pom.xml"));
        if (!pom.contains("<exclude>dev/vigil/bench/**</exclude>")) {
            wrong.add("pom.xml: the agent's jar does not exclude dev/vigil/bench");
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void noCommandCallsAnother() throws IOException {
        List<String> wrong = new ArrayList<>();
        Pattern call = Pattern.compile("\\b(\\w+Command)\\.\\w+\\(");
        for (Path f : sources("src/main/java/dev/vigil/cli").stream().filter(p -> p.toString().endsWith("Command.java")).toList()) {
            String self = f.getFileName().toString().replace(".java", "");
            Matcher m = call.matcher(Files.readString(f));
            while (m.find()) {
                if (!m.group(1).equals(self)) {
                    wrong.add(f + " calls " + m.group());
                }
            }
        }
        assertEquals(List.of(), wrong);
    }
}
