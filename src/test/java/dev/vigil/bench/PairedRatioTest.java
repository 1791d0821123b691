package dev.vigil.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class PairedRatioTest {
    private static long[] run(long wallMs, int round) {
        return new long[] {wallMs * 1_000_000L, 0, round};
    }

    @Test
    void aSlowSpellThatMovesBothTimesOfARoundCancels() {
        // nothing's times swing by 1.5× from round to round; the tool is 2 % slower in every round
        List<long[]> nothing = List.of(run(400, 0), run(600, 1), run(400, 2), run(600, 3), run(600, 4));
        List<long[]> tool = List.of(run(408, 0), run(612, 1), run(408, 2), run(612, 3), run(612, 4));
        PairedRatio r = PairedRatio.of(tool, nothing, 0, 2);
        assertEquals(1.02, r.ratio(), 1e-9);
        assertEquals(1.02, r.low(), 1e-9);
        assertEquals(1.02, r.high(), 1e-9);
        assertEquals(PairedRatio.Standing.ABOVE, r.against(1.0));
        assertEquals(PairedRatio.Standing.BELOW, r.against(1.05));
    }

    @Test
    void theIntervalIsStudentsTOnTheLogarithms() {
        double up = 0.1, down = -0.1; // mean 0, sample standard deviation 0.11547, four rounds: t = 3.182
        PairedRatio r = PairedRatio.of(new double[] {up, down, up, down});
        double half = 3.182 * Math.sqrt(4 * 0.01 / 3) / 2;
        assertEquals(1.0, r.ratio(), 1e-12);
        assertEquals(Math.exp(-half), r.low(), 1e-9);
        assertEquals(Math.exp(half), r.high(), 1e-9);
        assertEquals(PairedRatio.Standing.UNDECIDED, r.against(1.0));
        assertEquals("1.00× (0.83 – 1.20)", r.toString());
    }

    @Test
    void onlyRoundsBothRanArePaired() {
        List<long[]> nothing = List.of(run(500, 0), run(500, 1), run(500, 2));
        List<long[]> tool = List.of(run(550, 1), run(600, 7)); // could not start in rounds 0 and 2; round 7 has no reference
        PairedRatio r = PairedRatio.of(tool, nothing, 0, 2);
        assertEquals(1, r.rounds());
        assertEquals(1.1, r.ratio(), 1e-9);
        assertEquals("1.10× (one round)", r.toString());
        assertEquals(PairedRatio.Standing.ABOVE, r.against(1.05));
        assertNull(PairedRatio.of(List.of(run(600, 7)), nothing, 0, 2));
    }
}
