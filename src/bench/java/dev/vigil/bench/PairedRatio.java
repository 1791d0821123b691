package dev.vigil.bench;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One tool's time against another's on a workload, paired by round. Each round runs both within a
 * minute or so, and this VM has slow and fast spells longer than that (nothing's own slowest round
 * is 1.2 – 1.6× its fastest): a spell moves both times of a round and cancels in their ratio,
 * where a ratio of two medians may take each from a different round, and a spell with it. The
 * figure is the geometric mean of the rounds' ratios, with a 95 % interval from Student's t on
 * their logarithms.
 */
record PairedRatio(double ratio, double low, double high, int rounds) {
    /** Student's t at 97.5 % for 1 – 30 degrees of freedom; past 30, 2.0 (1.96 at infinity, slightly wide below it). */
    private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
        2.056, 2.052, 2.048, 2.045, 2.042};

    /**
     * From rows of {wall ns, …, round}: the rounds both ran (a tool that could not start in a round has
     * no row for it). Null when no round has both.
     */
    static PairedRatio of(List<long[]> tool, List<long[]> reference, int wall, int round) {
        Map<Long, Long> byRound = new HashMap<>();
        for (long[] r : reference) {
            byRound.put(r[round], r[wall]);
        }
        double[] logs = tool.stream().filter(r -> byRound.containsKey(r[round]))
                .mapToDouble(r -> Math.log(r[wall] / (double) byRound.get(r[round]))).toArray();
        return logs.length == 0 ? null : of(logs);
    }

    /** From the logarithms of the rounds' ratios. */
    static PairedRatio of(double[] logs) {
        int n = logs.length;
        double mean = 0;
        for (double l : logs) {
            mean += l;
        }
        mean /= n;
        if (n == 1) {
            return new PairedRatio(Math.exp(mean), Math.exp(mean), Math.exp(mean), 1);
        }
        double squares = 0;
        for (double l : logs) {
            squares += (l - mean) * (l - mean);
        }
        double half = (n - 1 <= T975.length ? T975[n - 2] : 2.0) * Math.sqrt(squares / (n - 1) / n);
        return new PairedRatio(Math.exp(mean), Math.exp(mean - half), Math.exp(mean + half), n);
    }

    /** Where the ratio stands against `bound`: below it, above it, or undecided (its interval holds it; one round: by the figure alone). */
    Standing against(double bound) {
        if (rounds == 1) {
            return ratio <= bound ? Standing.BELOW : Standing.ABOVE;
        }
        return high <= bound ? Standing.BELOW : low > bound ? Standing.ABOVE : Standing.UNDECIDED;
    }

    enum Standing { BELOW, UNDECIDED, ABOVE }

    /** "1.04× (0.98 – 1.10)", or "1.04× (one round)". */
    @Override
    public String toString() {
        return rounds == 1 ? String.format("%.2f× (one round)", ratio) : String.format("%.2f× (%.2f – %.2f)", ratio, low, high);
    }
}
