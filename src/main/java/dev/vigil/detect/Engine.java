package dev.vigil.detect;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs detections over events, one at a time, in arrival order (the caller serialises). Threshold
 * and sequence state is kept per detection and dropped when its window passes. Rules can be
 * swapped at any time ({@link #rules(RuleSet)}); state of detections that stay is kept.
 */
public final class Engine implements Consumer<Map<String, Object>> {
    /** Bounds state so a flood cannot exhaust memory; what is dropped is counted. */
    static final int MAX_PARTIALS = 10_000, MAX_GROUPS = 50_000;

    private final Consumer<Alert> out;
    private final Function<Map<String, Object>, List<Map<String, Object>>> lineage;
    private volatile RuleSet rules;
    /** Detections by the event type they can match (Falco's event-type index), then by process name: an event meets only those. */
    private volatile Map<Object, Candidates> byType;
    private volatile Detection[] all;
    /** By event type (its ordinal): whether any detection can match it; made with the index. */
    private volatile boolean[] read;
    private final Map<String, Map<List<Object>, Window>> windows = new HashMap<>();
    private final Map<String, Partials> partials = new HashMap<>();
    private long stateDropped;
    private long alerts;
    private final Map<String, Long> ruleErrors = new java.util.TreeMap<>();
    /** One attack, one alert per rule: repeats in the same process tree or terminal session fold into the first. */
    public static final java.time.Duration DEFAULT_FOLD = java.time.Duration.ofSeconds(60);
    private Folding folding = new Folding(DEFAULT_FOLD);
    private long folded;
    private String lastRuleError = "";

    public Engine(RuleSet rules, Consumer<Alert> out, Function<Map<String, Object>, List<Map<String, Object>>> lineage) {
        this.rules = rules;
        index(rules);
        this.out = out;
        this.lineage = lineage;
    }

    public RuleSet rules() {
        return rules;
    }

    /** The event's process name, as the rules read it. */
    private static final Function<Map<String, Object>, Object> NAME = Fields.resolve("proc.name");

    /**
     * One event type's detections in rule order: those any process may match, and for each name
     * some detection is bound to (its condition pins proc.name), those plus the ones bound to that
     * name. An exec of cc meets the rules about shells or netcat no more than an exec of bash
     * meets the rules about cc. Built only for names the rules give, so no event can grow it.
     */
    private record Candidates(Detection[] unbound, Map<String, Detection[]> byName) {
        static Candidates of(List<Detection> ds, Map<String, java.util.Set<String>> names) {
            java.util.Set<String> given = new java.util.TreeSet<>();
            for (Detection d : ds) {
                given.addAll(names.getOrDefault(d.name(), java.util.Set.of()));
            }
            Map<String, Detection[]> byName = new HashMap<>();
            for (String n : given) {
                byName.put(n, ds.stream().filter(d -> !names.containsKey(d.name()) || names.get(d.name()).contains(n)).toArray(Detection[]::new));
            }
            return new Candidates(ds.stream().filter(d -> !names.containsKey(d.name())).toArray(Detection[]::new), byName);
        }

        boolean any() {
            return unbound.length > 0 || !byName.isEmpty();
        }

        Detection[] of(Map<String, Object> e) {
            if (byName.isEmpty()) {
                return unbound;
            }
            Detection[] named = NAME.apply(e) instanceof String n ? byName.get(n) : null;
            return named != null ? named : unbound;
        }
    }

    /**
     * For every event type some detection names, the detections that can match it, in rule order;
     * a detection whose condition does not bound the type (or that the loader did not analyse) is in every list.
     */
    private void index(RuleSet set) {
        Map<String, java.util.Set<String>> types = set.collection().byRule();
        java.util.Set<String> named = new java.util.TreeSet<>();
        for (dev.vigil.event.EventKind t : dev.vigil.event.Catalogue.kinds()) {
            named.add(t.eventName());
        }
        types.values().stream().filter(java.util.Objects::nonNull).forEach(named::addAll);
        Map<Object, Candidates> index = new HashMap<>();
        for (String type : named) {
            // a detection that names no type is a kernel one: it never sees another source's events
            dev.vigil.event.EventKind kind = dev.vigil.event.Catalogue.kind(type);
            boolean kernel = kind == null || kind.def().source().equals("syscall");
            List<Detection> ds = new ArrayList<>();
            for (Detection d : set.detections()) {
                java.util.Set<String> t = types.get(d.name());
                if (t == null ? kernel : t.contains(type)) {
                    ds.add(d);
                }
            }
            index.put(type, Candidates.of(ds, set.names()));
        }
        // events of a name no source declares (recordings of other collectors) meet the kernel's detections
        this.all = set.detections().stream().filter(d -> types.get(d.name()) == null
                || types.get(d.name()).stream().anyMatch(t -> dev.vigil.event.Catalogue.kind(t) == null
                || dev.vigil.event.Catalogue.kind(t).def().source().equals("syscall"))).toArray(Detection[]::new);
        this.byType = index;
        boolean[] byOrdinal = new boolean[dev.vigil.event.EventType.values().length];
        for (dev.vigil.event.EventType t : dev.vigil.event.EventType.values()) {
            Candidates c = index.get(t.eventName());
            byOrdinal[t.ordinal()] = c == null ? all.length > 0 : c.any();
        }
        this.read = byOrdinal;
    }

    public synchronized void rules(RuleSet next) {
        this.rules = next;
        index(next);
        var names = next.detections().stream().map(Detection::name).toList();
        windows.keySet().retainAll(names);
        partials.keySet().retainAll(names);
        report(folding.retain(names));
    }

    /** How long repeats of a rule fold into its first alert (zero: every match is an alert). */
    public synchronized Engine fold(java.time.Duration window) {
        report(folding.closeAll());
        folding = new Folding(window);
        return this;
    }

    /** Matches folded into an earlier alert of the same rule. */
    public synchronized long folded() {
        return folded;
    }

    /** Time passing with no event: fold windows that ended by `nowNs` (wall clock, as event times) are reported. */
    public synchronized void tick(long nowNs) {
        if (folding.enabled()) {
            report(folding.expire(nowNs));
        }
    }

    /** Closes every fold window now and reports what each folded: at the end of a replay, when the agent stops. */
    public synchronized void flush() {
        report(folding.closeAll());
    }

    private void report(List<Folding.Closed> closed) {
        for (Folding.Closed c : closed) {
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("folded_into", c.alertId());
            extra.put("count", c.folded());
            extra.put("window_ms", c.window().toMillis());
            Object host = c.firstEvent().get("nodename");
            long closedAt = c.openedNs() + c.window().toNanos();
            out.accept(new Alert(id(c.detection().name() + "\0folded", List.of(c.firstEvent())), closedAt, c.detection().name(),
                    "folded", c.detection().priority(), c.detection().tags(),
                    c.folded() + " more match" + (c.folded() == 1 ? "" : "es") + " of '" + c.detection().name()
                            + "' folded into alert " + c.alertId() + " (same process tree or terminal session, within "
                            + c.window().toSeconds() + " s)",
                    host == null ? "" : host.toString(), List.of(), List.of(), extra));
        }
    }

    public long alerts() {
        return alerts;
    }

    /** Threshold groups and sequence partials dropped because their bound was reached. */
    public long stateDropped() {
        return stateDropped;
    }

    /** Evaluation failures by detection name: each is an event a rule could not judge. */
    public synchronized Map<String, Long> ruleErrors() {
        return Map.copyOf(ruleErrors);
    }

    public synchronized long ruleErrorTotal() {
        return ruleErrors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The latest failure, "rule: what", for the health alert and the summary. */
    public synchronized String lastRuleError() {
        return lastRuleError;
    }

    private void failed(String rule, Throwable t) {
        ruleErrors.merge(rule, 1L, Long::sum);
        lastRuleError = rule + ": " + t;
    }

    /**
     * Whether a rule that blocks matches this event (a JVM call waiting for its verdict). Nothing
     * fires here: the event then goes through {@link #accept} like any other, marked blocked.
     */
    public synchronized boolean blocks(Map<String, Object> e) {
        for (Detection d : candidates(e)) {
            try {
                if (d instanceof Rule r && r.block() && r.condition().test(e)) {
                    return true;
                }
            } catch (RuntimeException | StackOverflowError broken) {
                failed(d.name(), broken);
            }
        }
        return false;
    }

    @Override
    public synchronized void accept(Map<String, Object> e) {
        Fields.nextEvent();
        if (folding.enabled()) {
            report(folding.expire(ts(e)));
        }
        for (Detection d : candidates(e)) {
            try {
                switch (d) {
                    case Rule r -> {
                        if (r.condition().test(e)) {
                            fire(r, "rule", List.of(e), e, Map.of());
                        }
                    }
                    case ThresholdRule t -> threshold(t, e);
                    case SequenceRule s -> sequence(s, e);
                }
            } catch (RuntimeException | StackOverflowError broken) {
                // one rule failing on one event must not stop the others; it is counted and shown
                failed(d.name(), broken);
            }
        }
    }

    /**
     * Whether any detection can match an event of this type: one that none can (a process's exit
     * under the stock pack) needs no rules' form, and the sensor's consumer may skip making it.
     * An array read, per event.
     */
    public boolean reads(dev.vigil.event.EventType type) {
        return read[type.ordinal()];
    }

    /** The detections that can match `e`; events of a name no source declares meet the kernel's detections. */
    private Detection[] candidates(Map<String, Object> e) {
        Candidates c = byType.get(e.get("event"));
        return c == null ? all : c.of(e);
    }

    private static long ts(Map<String, Object> e) {
        return e.get("ts") instanceof Number n ? n.longValue() : System.currentTimeMillis() * 1_000_000L;
    }

    /**
     * A group's recent matches: at most `count` timestamps (enough to know whether `count`
     * fell within the window), or for a distinct count at most `count` distinct values with
     * when each was last seen. A flood of matches costs no more memory than the threshold.
     */
    private static final class Window {
        final ArrayDeque<Long> times = new ArrayDeque<>();
        final LinkedHashMap<String, Long> lastSeen = new LinkedHashMap<>();
        long firedAt = Long.MIN_VALUE / 4;
    }

    private void threshold(ThresholdRule t, Map<String, Object> e) {
        if (!t.condition().test(e)) {
            return;
        }
        long now = ts(e), span = t.window().toNanos();
        List<Object> key = new ArrayList<>(t.groupBy().size());
        for (var g : t.groupBy()) {
            key.add(g.apply(e));
        }
        Map<List<Object>, Window> groups = windows.computeIfAbsent(t.name(), k -> new LinkedHashMap<>());
        if (groups.size() >= MAX_GROUPS && !groups.containsKey(key)) {
            Iterator<List<Object>> it = groups.keySet().iterator();
            it.next();
            it.remove();
            stateDropped++;
        }
        Window w = groups.computeIfAbsent(key, k -> new Window());
        long n;
        if (t.distinct() == null) {
            w.times.addLast(now);
            while (w.times.size() > t.count() || (!w.times.isEmpty() && now - w.times.peekFirst() > span)) {
                w.times.pollFirst();
            }
            n = w.times.size();
        } else {
            String value = String.valueOf(t.distinct().apply(e));
            w.lastSeen.remove(value);
            w.lastSeen.put(value, now);
            while (!w.lastSeen.isEmpty() && (w.lastSeen.size() > t.count() || now - w.lastSeen.firstEntry().getValue() > span)) {
                w.lastSeen.pollFirstEntry();
            }
            n = w.lastSeen.size();
        }
        if (n >= t.count() && now - w.firedAt > span) {
            w.firedAt = now;
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put(t.distinct() == null ? "count" : "distinct_count", n);
            for (int i = 0; i < t.groupByNames().size(); i++) {
                extra.put(t.groupByNames().get(i), key.get(i));
            }
            extra.put("window_ms", t.window().toMillis());
            fire(t, "threshold", List.of(e), e, extra);
        }
    }

    /** A sequence under way: the steps matched so far and the key the next step must join. */
    /** A sequence matched up to step `next` (exclusive), waiting for an event whose key joins `key`. */
    private static final class Partial {
        final int next;
        final Object key;
        final long start, seq;
        final List<Map<String, Object>> events;
        boolean gone;

        Partial(int next, Object key, long start, long seq, List<Map<String, Object>> events) {
            this.next = next;
            this.key = key;
            this.start = start;
            this.seq = seq;
            this.events = events;
        }
    }

    /**
     * One sequence rule's partial matches, oldest first, and indexed by the step they wait for and
     * their join key: an event meets only the partials it can join (a hash look-up per step, one per
     * ancestor for a lineage step), so ten thousand waiting partials cost no more than one.
     */
    private static final class Partials {
        final ArrayDeque<Partial> order = new ArrayDeque<>();
        final List<Map<Object, ArrayDeque<Partial>>> waiting = new ArrayList<>();
        long seq;
        int live;

        Partials(int steps) {
            for (int i = 0; i < steps; i++) {
                waiting.add(new HashMap<>());
            }
        }

        void add(Partial p) {
            order.addLast(p);
            waiting.get(p.next).computeIfAbsent(p.key, k -> new ArrayDeque<>()).addLast(p);
            live++;
        }

        void remove(Partial p) {
            if (p.gone) {
                return;
            }
            p.gone = true;
            live--;
            ArrayDeque<Partial> bucket = waiting.get(p.next).get(p.key);
            if (bucket != null) {
                bucket.remove(p);
                if (bucket.isEmpty()) {
                    waiting.get(p.next).remove(p.key);
                }
            }
        }

        /** Drops partials that started before `oldest`, and finished ones at the front. */
        void expire(long now, long span) {
            while (!order.isEmpty() && (order.peekFirst().gone || now - order.peekFirst().start > span)) {
                remove(order.pollFirst());
            }
        }

        Partial oldest() {
            while (!order.isEmpty() && order.peekFirst().gone) {
                order.pollFirst();
            }
            return order.peekFirst();
        }
    }

    private void sequence(SequenceRule s, Map<String, Object> e) {
        long now = ts(e), span = s.window().toNanos();
        Partials st = partials.computeIfAbsent(s.name(), k -> new Partials(s.steps().size()));
        st.expire(now, span);
        Partial best = null;
        for (int k = 1; k < s.steps().size() && st.live > 0; k++) {
            Map<Object, ArrayDeque<Partial>> waiting = st.waiting.get(k);
            SequenceRule.Step step = s.steps().get(k);
            if (waiting.isEmpty() || !step.condition().test(e)) {
                continue;
            }
            for (Object key : joinKeys(step, e)) {
                ArrayDeque<Partial> bucket = waiting.get(key);
                if (bucket != null && !bucket.isEmpty() && (best == null || bucket.peekFirst().seq < best.seq)) {
                    best = bucket.peekFirst();
                }
            }
        }
        List<Partial> advanced = new ArrayList<>(2);
        if (best != null) {
            st.remove(best);
            List<Map<String, Object>> evs = new ArrayList<>(best.events);
            evs.add(e);
            if (best.next + 1 == s.steps().size()) {
                Map<String, Object> extra = new LinkedHashMap<>();
                extra.put("steps", s.steps().stream().map(SequenceRule.Step::name).toList());
                fire(s, "sequence", evs, e, extra);
            } else {
                Object key = indexKey(s.steps().get(best.next + 1), s.steps().get(best.next).key().apply(e));
                if (key != null) {
                    advanced.add(new Partial(best.next + 1, key, best.start, st.seq++, evs));
                }
            }
        }
        SequenceRule.Step first = s.steps().getFirst();
        if (first.condition().test(e)) {
            Object key = indexKey(s.steps().get(1), first.key().apply(e));
            if (key != null) {
                advanced.add(new Partial(1, key, now, st.seq++, List.of(e)));
            }
        }
        for (Partial p : advanced) {
            if (st.live >= MAX_PARTIALS) {
                st.remove(st.oldest());
                stateDropped++;
            }
            st.add(p);
        }
    }

    /** A partial's key as its next step looks it up: a pid for a lineage step, the value's text otherwise; null never joins. */
    private static Object indexKey(SequenceRule.Step next, Object key) {
        if (key == null) {
            return null;
        }
        if (next.lineage()) {
            return key instanceof Number n ? (Object) n.longValue() : null;
        }
        return ConditionParser.str(key);
    }

    /** The keys an event joins at this step: its own value; for a lineage step, its pid and every ancestor's. */
    private static List<Object> joinKeys(SequenceRule.Step step, Map<String, Object> e) {
        if (step.lineage()) {
            List<Object> pids = new ArrayList<>();
            if (e.get("pid") instanceof Number n) {
                pids.add(n.longValue());
            }
            for (Ancestry.Node n : Ancestry.of(e)) {
                pids.add(n.pid());
            }
            return pids;
        }
        Object v = step.key().apply(e);
        return v == null ? List.of() : List.of(ConditionParser.str(v));
    }

    private void fire(Detection d, String kind, List<Map<String, Object>> events, Map<String, Object> last, Map<String, Object> extra) {
        long now = ts(last);
        boolean foldable = !kind.equals("threshold"); // a threshold's own window already says how often it fires
        if (foldable && folding.folds(d, last, now)) {
            folded++;
            return;
        }
        alerts++;
        Object host = last.get("nodename");
        // the alert goes out even when its decoration fails: the failure is counted, not the alert lost
        String output;
        try {
            output = d.output().render(last);
        } catch (RuntimeException broken) {
            failed(d.name(), broken);
            output = d.name() + " (output could not be rendered)";
        }
        List<Map<String, Object>> chain;
        try {
            chain = lineage.apply(last);
        } catch (RuntimeException broken) {
            failed(d.name(), broken);
            chain = List.of();
        }
        String id = id(d.name(), events);
        out.accept(new Alert(id, now, d.name(), kind, d.priority(), d.tags(), output,
                host == null ? "" : host.toString(), List.copyOf(events), chain, extra));
        if (foldable) {
            report(folding.opened(id, d, last, now));
        }
    }

    /** Stable: the same rule over the same events gives the same id, in a replay as live. */
    static String id(String rule, List<Map<String, Object>> events) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(rule.getBytes(StandardCharsets.UTF_8));
            for (Map<String, Object> e : events) {
                md.update(("|" + e.get("nodename") + "|" + e.get("ts") + "|" + e.get("pid") + "|" + e.get("event"))
                        .getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest(), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A stable id for an alert raised outside a detection (health alerts). */
    public static String idOf(String name, long ts) {
        return id(name, List.of(Map.of("ts", ts)));
    }

    /** Lineage from the event's own ancestry: pid and comm of each ancestor, nearest first. */
    public static List<Map<String, Object>> lineageFromTree(Map<String, Object> e) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Ancestry.Node n : Ancestry.of(e)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pid", n.pid());
            if (n.start() != 0) {
                m.put("start", n.start());
            }
            m.put("comm", n.comm());
            out.add(m);
        }
        return out;
    }
}
