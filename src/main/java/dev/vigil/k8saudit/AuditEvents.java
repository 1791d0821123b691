package dev.vigil.k8saudit;

import dev.vigil.event.K8sAuditType;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Kubernetes audit events as the API server writes them ({@code audit.k8s.io/v1} and
 * {@code v1beta1}, with or without {@code apiVersion}), turned into the events rules read: the
 * fields searches and rules use most, flat, and the whole audit event under {@code audit}.
 * Everything here is the sender's text: a field of the wrong type is treated as absent, never
 * trusted and never a crash.
 */
public final class AuditEvents {
    private AuditEvents() {}

    /** The version of this event's JSON, as the kernel's events carry theirs. */
    public static final int SCHEMA = 1;

    /** What a body or a line held: its audit events, or why it held none. */
    public record Batch(List<Map<String, Object>> events, String problem) {
        static Batch none(String why) {
            return new Batch(List.of(), why);
        }
    }

    /**
     * The audit events in a parsed JSON value: an {@code EventList}, an array of events, one
     * {@code Event}, or an audit event as Vigil stored it ({@code "event": "k8s_audit"}). A batch
     * with any item that is not an audit event is refused whole, with the item named.
     */
    public static Batch read(Object parsed, String host, String cluster, int maxEvents) {
        if (parsed instanceof Map<?, ?> m) {
            if ("EventList".equals(m.get("kind"))) {
                if (!auditApi(m.get("apiVersion"))) {
                    return Batch.none("an EventList of apiVersion '" + m.get("apiVersion") + "', not audit.k8s.io");
                }
                if (!(m.get("items") instanceof List<?> items)) {
                    return Batch.none("an EventList without an 'items' array");
                }
                return list(items, host, cluster, maxEvents);
            }
            if (isRecorded(m)) {
                return new Batch(List.of(event((Map<?, ?>) m.get("audit"), host, stringOr(m.get("cluster"), cluster))), null);
            }
            String why = whyNotEvent(m);
            return why == null ? new Batch(List.of(event(m, host, cluster)), null) : Batch.none(why);
        }
        if (parsed instanceof List<?> items) {
            return list(items, host, cluster, maxEvents);
        }
        return Batch.none("a JSON " + (parsed == null ? "null" : "value") + ", not an audit Event or EventList");
    }

    /** Whether a parsed object is an audit event, an EventList, or one Vigil stored: what replay asks of each line. */
    public static boolean isAudit(Map<?, ?> m) {
        return "EventList".equals(m.get("kind")) && auditApi(m.get("apiVersion")) || isRecorded(m) || whyNotEvent(m) == null;
    }

    /** Whether an object means to be audit events (an EventList, or an audit id) even when it is not a valid one: its problem is said, not read as a kernel event. */
    public static boolean claimsAudit(Map<?, ?> m) {
        return "EventList".equals(m.get("kind")) || m.containsKey("auditID");
    }

    private static boolean isRecorded(Map<?, ?> m) {
        return K8sAuditType.K8S_AUDIT.eventName().equals(m.get("event")) && m.get("audit") instanceof Map<?, ?> a && whyNotEvent(a) == null;
    }

    private static Batch list(List<?> items, String host, String cluster, int maxEvents) {
        if (items.size() > maxEvents) {
            return Batch.none(items.size() + " events in one batch, more than " + maxEvents);
        }
        List<Map<String, Object>> out = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            if (!(items.get(i) instanceof Map<?, ?> m)) {
                return Batch.none("item " + i + " is not an object");
            }
            String why = whyNotEvent(m);
            if (why != null) {
                return Batch.none("item " + i + ": " + why);
            }
            out.add(event(m, host, cluster));
        }
        return new Batch(out, null);
    }

    private static boolean auditApi(Object apiVersion) {
        return apiVersion == null || apiVersion instanceof String v && (v.equals("audit.k8s.io/v1") || v.equals("audit.k8s.io/v1beta1"));
    }

    /** What every audit Event has, whatever its version. */
    private static final List<String> REQUIRED = List.of("auditID", "stage", "verb");
    /** Where an event's time is, best first (v1beta1 has "timestamp"). */
    private static final List<String> TIMES = List.of("stageTimestamp", "requestReceivedTimestamp", "timestamp");

    /** Null when `m` is an audit Event; else what it lacks. Older API servers and some pipelines drop kind and apiVersion. */
    private static String whyNotEvent(Map<?, ?> m) {
        Object kind = m.get("kind");
        if (kind != null && !"Event".equals(kind)) {
            return "kind " + (kind instanceof String ? "'" + kind + "'" : "of the wrong type") + ", not an audit Event";
        }
        if (!auditApi(m.get("apiVersion"))) {
            return "apiVersion is not audit.k8s.io/v1 or v1beta1";
        }
        for (String key : REQUIRED) {
            if (!(m.get(key) instanceof String)) {
                return m.containsKey(key) ? "'" + key + "' is not a string" : "no '" + key + "': not an audit Event";
            }
        }
        return null;
    }

    /** The event rules read, from one audit Event. */
    public static Map<String, Object> event(Map<?, ?> a, String host, String cluster) {
        Map<String, Object> e = dev.vigil.event.Catalogue.event(K8sAuditType.K8S_AUDIT, SCHEMA, time(a), host, 40);
        e.put("audit_id", string(a.get("auditID")));
        e.put("stage", string(a.get("stage")));
        e.put("verb", string(a.get("verb")));
        e.put("uri", string(a.get("requestURI")));
        Map<?, ?> user = map(a.get("user"));
        e.put("k8s_user", string(user.get("username")));
        e.put("k8s_groups", strings(user.get("groups")));
        e.put("impersonated_user", string(map(a.get("impersonatedUser")).get("username")));
        Map<?, ?> ref = map(a.get("objectRef"));
        e.put("resource", string(ref.get("resource")));
        e.put("subresource", string(ref.get("subresource")));
        e.put("target_namespace", string(ref.get("namespace")));
        e.put("target_name", string(ref.get("name")));
        e.put("api_group", string(ref.get("apiGroup")));
        e.put("api_version", string(ref.get("apiVersion")));
        Map<?, ?> status = map(a.get("responseStatus"));
        if (status.get("code") instanceof Number code) {
            e.put("response_code", code.longValue());
        }
        e.put("response_reason", string(status.get("reason")));
        Map<?, ?> annotations = map(a.get("annotations"));
        e.put("decision", string(annotations.get("authorization.k8s.io/decision")));
        e.put("reason", string(annotations.get("authorization.k8s.io/reason")));
        e.put("source_ips", strings(a.get("sourceIPs")));
        e.put("user_agent", string(a.get("userAgent")));
        e.put("cluster", cluster == null ? "" : cluster);
        e.put("audit", a);
        return e;
    }

    /** When the stage was reached (stageTimestamp, else requestReceivedTimestamp, else v1beta1's timestamp), else now. */
    static long time(Map<?, ?> a) {
        for (String key : TIMES) {
            if (a.get(key) instanceof String s && s.length() <= 64) {
                try {
                    var t = OffsetDateTime.parse(s).toInstant();
                    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
                } catch (DateTimeParseException | ArithmeticException notATime) {
                    // the next key, or now
                }
            }
        }
        return System.currentTimeMillis() * 1_000_000L;
    }

    private static String string(Object v) {
        return v instanceof String s ? s : "";
    }

    private static String stringOr(Object v, String otherwise) {
        return v instanceof String s && !s.isEmpty() ? s : otherwise;
    }

    private static Map<?, ?> map(Object v) {
        return v instanceof Map<?, ?> m ? m : Map.of();
    }

    private static List<String> strings(Object v) {
        if (!(v instanceof List<?> l)) {
            return List.of();
        }
        List<String> out = new ArrayList<>(l.size());
        for (Object o : l) {
            if (o instanceof String s) {
                out.add(s);
            }
        }
        return out;
    }
}
