package dev.vigil.console;

import dev.vigil.detect.Priority;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What a console list is narrowed to, from its query string. Incidents and alerts take priority
 * (that one and more severe), rule, technique (T1059 also matches its sub-techniques), host and
 * time; events take type, process (exec id, pid or name), path (a part of any path the event
 * names), address (either end's IP, or a Kubernetes request's source IP), the Kubernetes request's
 * user, verb, resource, namespace, name and response code, and time. Times are epoch nanoseconds
 * or ISO-8601 instants.
 */
public record Filter(String priority, String rule, String technique, String host, Long since, Long until, Integer limit,
                     String type, String process, String path, String address, Map<String, Object> audit) {
    /** The query's names for a Kubernetes audit event's columns, and the event fields they match. */
    public static final Map<String, String> AUDIT_PARAMETERS = orderedMap("user", "k8s_user", "verb", "verb", "resource", "resource",
            "namespace", "target_namespace", "name", "target_name", "code", "response_code");

    public static Filter of(Map<String, String> q) {
        String priority = blank(q.get("priority"));
        if (priority != null) {
            try {
                priority = Priority.parse(priority).name();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("priority must be one of " + Arrays.toString(Priority.values()));
            }
        }
        String technique = blank(q.get("technique"));
        if (technique != null && !technique.matches("T\\d{4}(\\.\\d{3})?")) {
            throw new IllegalArgumentException("technique takes an ATT&CK id such as T1059 or T1059.004");
        }
        Map<String, Object> audit = new java.util.LinkedHashMap<>();
        AUDIT_PARAMETERS.forEach((param, field) -> {
            String v = blank(q.get(param));
            if (v != null) {
                if (param.equals("code") && !v.matches("\\d{1,3}")) {
                    throw new IllegalArgumentException("code takes an HTTP status such as 403");
                }
                audit.put(field, param.equals("code") ? (Object) Long.valueOf(v) : v);
            }
        });
        return new Filter(priority, blank(q.get("rule")), technique, blank(q.get("host")), time(q.get("since")), time(q.get("until")),
                number(q.get("limit")), blank(q.get("type")), blank(q.get("process")), blank(q.get("path")), blank(q.get("address")),
                java.util.Collections.unmodifiableMap(audit));
    }

    private static Map<String, String> orderedMap(String... pairs) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    public static Filter none() {
        return of(Map.of());
    }

    /** The priorities at or above the one asked for, as stored; empty when none was asked for. */
    public List<String> priorities() {
        if (priority == null) {
            return List.of();
        }
        int at = Priority.valueOf(priority).ordinal();
        return Arrays.stream(Priority.values()).filter(p -> p.ordinal() <= at).map(Enum::name).toList();
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static Integer number(String s) {
        try {
            return blank(s) == null ? null : Integer.valueOf(s.trim());
        } catch (NumberFormatException bad) {
            throw new IllegalArgumentException("limit takes a number of rows");
        }
    }

    private static Long time(String s) {
        if (blank(s) == null) {
            return null;
        }
        try {
            return Long.valueOf(s.trim());
        } catch (NumberFormatException notNanos) {
            try {
                Instant i = Instant.parse(s.trim());
                try {
                    return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000_000L), i.getNano());
                } catch (ArithmeticException pastNanos) { // beyond 2262 or before 1677: as far as a nanosecond clock goes
                    return i.getEpochSecond() > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
                }
            } catch (DateTimeParseException bad) {
                throw new IllegalArgumentException("since and until take epoch nanoseconds or an instant such as 2026-11-25T22:00:00Z");
            }
        }
    }
}
