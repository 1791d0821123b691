package dev.vigil.event;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class WallTimeTest {
    private static void same(long ns) {
        assertEquals(Instant.ofEpochSecond(0, ns).toString(), WallTime.iso(ns), "at " + ns + " ns");
    }

    @Test
    void printsWhatInstantPrints() {
        SplittableRandom r = new SplittableRandom(24);
        for (int i = 0; i < 200_000; i++) {
            long ns = r.nextLong(0, 4_102_444_800_000_000_000L); // 1970 to 2100
            same(ns);
            same(ns - ns % 1_000);        // microseconds: six digits
            same(ns - ns % 1_000_000);    // milliseconds: three
            same(ns - ns % 1_000_000_000); // whole seconds: no fraction
        }
    }

    @Test
    void edgesOfTheRange() {
        for (long ns : new long[] {0, 1, 999_999_999, 86_399_999_999_999L, 86_400_000_000_000L, -1, -1_000_000_000L,
                Long.MIN_VALUE, Long.MAX_VALUE}) {
            same(ns);
        }
    }
}
