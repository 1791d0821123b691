package dev.vigil.event;

/**
 * Wall-clock nanoseconds as ISO-8601 in UTC, exactly as {@link java.time.Instant#toString} prints
 * them ("2026-12-05T17:28:11.418191136Z", the fraction in groups of three digits, none when zero),
 * without its formatter: every stored event carries one, and the date part changes once a day.
 */
public final class WallTime {
    private record Day(long epochDay, String prefix) {}

    private static Day day = new Day(Long.MIN_VALUE, "");

    private WallTime() {}

    public static String iso(long epochNs) {
        long seconds = Math.floorDiv(epochNs, 1_000_000_000L);
        int nanos = (int) Math.floorMod(epochNs, 1_000_000_000L);
        long epochDay = Math.floorDiv(seconds, 86_400L);
        if (epochDay < 0) { // before 1970 (a clock gone wrong): the long way
            return java.time.Instant.ofEpochSecond(seconds, nanos).toString();
        }
        Day d = day;
        if (d.epochDay() != epochDay) {
            String date = java.time.LocalDate.ofEpochDay(epochDay).toString();
            d = new Day(epochDay, date + "T");
            day = d;
        }
        int secOfDay = (int) (seconds - epochDay * 86_400L);
        StringBuilder sb = new StringBuilder(31).append(d.prefix());
        two(sb, secOfDay / 3600).append(':');
        two(sb, secOfDay / 60 % 60).append(':');
        two(sb, secOfDay % 60);
        if (nanos != 0) {
            int digits = nanos % 1_000_000 == 0 ? 3 : nanos % 1_000 == 0 ? 6 : 9;
            int value = digits == 3 ? nanos / 1_000_000 : digits == 6 ? nanos / 1_000 : nanos;
            sb.append('.');
            String v = Integer.toString(value);
            sb.repeat('0', digits - v.length()).append(v);
        }
        return sb.append('Z').toString();
    }

    private static StringBuilder two(StringBuilder sb, int v) {
        return sb.append((char) ('0' + v / 10)).append((char) ('0' + v % 10));
    }
}
