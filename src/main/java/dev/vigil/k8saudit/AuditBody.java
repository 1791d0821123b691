package dev.vigil.k8saudit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A body or a line that should hold audit events, parsed within bounds: a JSON value of at most
 * {@link #MAX_TOKENS} tokens and {@link #MAX_DEPTH} levels, strings of at most the body's size.
 * A hostile sender (a million empty objects, a string of 12 MiB, 10,000 nested arrays) costs a
 * bounded parse and a refusal, never the agent's memory.
 */
public final class AuditBody {
    private AuditBody() {}

    /** Far more than a batch of the API server's webhook (400 events of a few thousand tokens each). */
    public static final int MAX_TOKENS = 2_000_000;
    /** Kubernetes objects nest a few dozen levels at most (a CRD's schema); past this is an attack. */
    public static final int MAX_DEPTH = 128;
    /** Events in one batch: the API server's webhook sends 400 by default. */
    public static final int MAX_EVENTS = 10_000;

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).maxStringLength(16 << 20)
                    .maxNumberLength(64).build()).build();

    /** Why a body was refused, in a word for counters and a line for the sender. */
    public static final class Refused extends Exception {
        private final String cause;

        Refused(String cause, String message) {
            super(message, null, false, false);
            this.cause = cause;
        }

        /** malformed, too_deep, too_many, not_audit. */
        public String cause() {
            return cause;
        }
    }

    /** The audit events in `body`, made for `host` and `cluster`. */
    public static List<Map<String, Object>> events(byte[] body, int length, String host, String cluster) throws Refused {
        Object parsed = parse(body, length);
        AuditEvents.Batch b = AuditEvents.read(parsed, host, cluster, MAX_EVENTS);
        if (b.problem() != null) {
            throw new Refused(b.problem().contains("more than") ? "too_many" : "not_audit", b.problem());
        }
        return b.events();
    }

    static Object parse(byte[] body, int length) throws Refused {
        try (JsonParser p = JSON.createParser(body, 0, length)) {
            int[] budget = {MAX_TOKENS};
            JsonToken t = next(p, budget);
            if (t == null) {
                throw new Refused("malformed", "an empty body");
            }
            Object v = value(p, t, budget);
            if (next(p, budget) != null) {
                throw new Refused("malformed", "more than one JSON value");
            }
            return v;
        } catch (StreamConstraintsException deep) {
            throw new Refused("too_deep", "JSON nested deeper than " + MAX_DEPTH + " levels or too long a value");
        } catch (IOException bad) {
            throw new Refused("malformed", "not JSON: " + firstLine(bad.getMessage()));
        }
    }

    private static JsonToken next(JsonParser p, int[] budget) throws IOException, Refused {
        if (--budget[0] < 0) {
            throw new Refused("too_many", "more than " + MAX_TOKENS + " JSON tokens");
        }
        return p.nextToken();
    }

    private static Object value(JsonParser p, JsonToken t, int[] budget) throws IOException, Refused {
        switch (t) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                while (next(p, budget) != JsonToken.END_OBJECT) {
                    String name = p.currentName();
                    m.put(name, value(p, next(p, budget), budget));
                }
                return m;
            }
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                for (JsonToken v; (v = next(p, budget)) != JsonToken.END_ARRAY; ) {
                    l.add(value(p, v, budget));
                }
                return l;
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT -> {
                return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getText() : (Object) p.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> {
                return p.getDoubleValue();
            }
            case VALUE_TRUE -> {
                return Boolean.TRUE;
            }
            case VALUE_FALSE -> {
                return Boolean.FALSE;
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw new Refused("malformed", "not JSON: unexpected " + t);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
