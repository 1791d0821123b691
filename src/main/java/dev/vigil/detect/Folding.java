package dev.vigil.detect;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One attack, one alert per rule. A match of a rule that already alerted, inside the fold window,
 * by the alerting process itself or one of its descendants (a reverse shell's subshells, a
 * script's children), or in the same terminal session, is folded into that first alert instead of
 * raising another. The first alert goes out at once; when its window closes, the number of
 * matches folded into it is reported once, naming it.
 */
final class Folding {
    /** Open folds per rule are bounded; the oldest closes early (and is reported) when a flood opens more. */
    static final int MAX_OPEN = 1_000;

    /** The first alert's process and where it ran; what later matches are compared against. */
    private static final class Open {
        final String alertId, host, tty, actor;
        final long pid, start, sid, openedNs;
        final Detection detection;
        final Map<String, Object> firstEvent;
        long folded;

        Open(String alertId, Detection d, Map<String, Object> e, long now) {
            this.alertId = alertId;
            this.detection = d;
            this.firstEvent = e;
            this.host = String.valueOf(e.get("nodename"));
            this.pid = number(e.get("pid"));
            this.start = number(e.get("start_time"));
            this.sid = number(e.get("sid"));
            this.tty = e.get("tty") instanceof String t ? t : "";
            this.actor = actor(e);
            this.openedNs = now;
        }
    }

    /** A window that closed with folded matches: report the count against the first alert. */
    record Closed(Detection detection, String alertId, long folded, long openedNs, Duration window, Map<String, Object> firstEvent) {}

    private final Duration window;
    private final Map<String, ArrayDeque<Open>> open = new LinkedHashMap<>();

    Folding(Duration window) {
        this.window = window;
    }

    boolean enabled() {
        return !window.isZero();
    }

    /** True when this match folds into an alert already raised (and is counted there). */
    boolean folds(Detection d, Map<String, Object> e, long now) {
        if (!enabled()) {
            return false;
        }
        ArrayDeque<Open> folds = open.get(d.name());
        if (folds == null) {
            return false;
        }
        for (Open o : folds) {
            if (now - o.openedNs <= window.toNanos() && related(o, e)) {
                o.folded++;
                return true;
            }
        }
        return false;
    }

    /** Records a raised alert as the head of a fold; returns any fold pushed out by the bound. */
    List<Closed> opened(String alertId, Detection d, Map<String, Object> e, long now) {
        if (!enabled()) {
            return List.of();
        }
        ArrayDeque<Open> folds = open.computeIfAbsent(d.name(), k -> new ArrayDeque<>());
        List<Closed> out = new ArrayList<>();
        if (folds.size() >= MAX_OPEN) {
            close(folds.pollFirst(), out);
        }
        folds.addLast(new Open(alertId, d, e, now));
        return out;
    }

    /** Folds whose window has passed by `now` (event time), closed and reported. */
    List<Closed> expire(long now) {
        List<Closed> out = new ArrayList<>();
        for (Iterator<ArrayDeque<Open>> it = open.values().iterator(); it.hasNext(); ) {
            ArrayDeque<Open> folds = it.next();
            while (!folds.isEmpty() && now - folds.peekFirst().openedNs > window.toNanos()) {
                close(folds.pollFirst(), out);
            }
            if (folds.isEmpty()) {
                it.remove();
            }
        }
        return out;
    }

    /** Every open fold, closed now (the end of a replay, the agent stopping). */
    List<Closed> closeAll() {
        List<Closed> out = new ArrayList<>();
        for (ArrayDeque<Open> folds : open.values()) {
            folds.forEach(o -> close(o, out));
        }
        open.clear();
        return out;
    }

    /** Rules swapped: folds of rules that are gone are closed. */
    List<Closed> retain(java.util.Collection<String> names) {
        List<Closed> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, ArrayDeque<Open>>> it = open.entrySet().iterator(); it.hasNext(); ) {
            var en = it.next();
            if (!names.contains(en.getKey())) {
                en.getValue().forEach(o -> close(o, out));
                it.remove();
            }
        }
        return out;
    }

    private void close(Open o, List<Closed> out) {
        if (o.folded > 0) {
            out.add(new Closed(o.detection, o.alertId, o.folded, o.openedNs, window, o.firstEvent));
        }
    }

    /**
     * The same process or a descendant of it (by pid and start time), or the same terminal session;
     * for events of no process (a Kubernetes request), the same user of the same cluster.
     */
    private static boolean related(Open o, Map<String, Object> e) {
        if (!Objects.equals(o.host, String.valueOf(e.get("nodename")))) {
            return false;
        }
        if (o.actor != null || !(e.get("pid") instanceof Number)) {
            return o.actor != null && o.actor.equals(actor(e));
        }
        if (number(e.get("pid")) == o.pid && (o.start == 0 || number(e.get("start_time")) == o.start)) {
            return true;
        }
        for (Ancestry.Node n : Ancestry.of(e)) {
            if (n.pid() == o.pid && (o.start == 0 || n.start() == 0 || n.start() == o.start)) {
                return true;
            }
        }
        return !o.tty.isEmpty() && o.sid > 1 && number(e.get("sid")) == o.sid && o.tty.equals(e.get("tty"));
    }

    /** Who made an event that no process made: the Kubernetes user, by cluster; null for a process's event. */
    private static String actor(Map<String, Object> e) {
        if (e.get("pid") instanceof Number || !(e.get("k8s_user") instanceof String user)) {
            return null;
        }
        return e.get("cluster") + "\0" + user;
    }

    private static long number(Object v) {
        return v instanceof Number n ? n.longValue() : -1;
    }
}
