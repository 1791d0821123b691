package dev.vigil.bench;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * `vigil bench --against JAR`: this build's per-event path and another's, each linked to its own
 * classes, run side by side; here the other build is this one, so both figures and the control
 * come out. A figure's presence and sign only, never its size.
 */
class AgainstBenchTest {
    @Test
    void twoCopiesOfTheAgentsPathRunSideBySideWithAControl() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Path self = AgainstBench.thisBuild();
        AgainstBench.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), self, self, 1, true);
        String out = bytes.toString(StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("this build (\\d+\\.\\d+) µs, \\S+ (\\d+\\.\\d+) µs").matcher(out);
        assertTrue(m.find() && Double.parseDouble(m.group(1)) > 0 && Double.parseDouble(m.group(2)) > 0, out);
        assertTrue(Pattern.compile("against this build, paired by round: \\d+\\.\\d+× \\(95 % interval of the median").matcher(out).find(), out);
        assertTrue(Pattern.compile("control, this build against itself: \\d+\\.\\d+×").matcher(out).find(), out);
    }

    /** The median's 95 % interval from ranks alone: of 100 rounds, the 40th to the 60th value from the middle's either side. */
    @Test
    void theMediansIntervalComesFromTheRanks() {
        double[] rounds = new double[100];
        for (int i = 0; i < rounds.length; i++) {
            rounds[(i * 37) % 100] = i; // in no order
        }
        double[] interval = AgainstBench.medianInterval(rounds);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {40, 60}, interval);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {1, 1}, AgainstBench.medianInterval(new double[] {1}));
    }

    @Test
    void aMissingJarIsOneClearLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AgainstBench.run(System.out, AgainstBench.thisBuild(), Path.of("no/such/vigil.jar"), 1, true));
        assertTrue(e.getMessage().startsWith("--against no/such/vigil.jar: no such jar (give the path"), e.getMessage());
    }
}
