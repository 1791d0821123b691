package dev.vigil.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.event.WallTime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fields a live event's row leaves out, and how they come back. Left out: a field whose value
 * is its type's empty one (empty text, zero, false, an empty list: a third of an exec's fields),
 * and a field the event's other fields give ({@link #GIVEN}: {@code time} from {@code ts},
 * {@code argv} from {@code args}, {@code pid_tree} from {@code ancestors}). Those were a third of
 * an exec's row, and the store's cost goes with its bytes: the JSON written, the pages logged and
 * copied.
 *
 * <p>Events of one kind leave out the same fields, so what a row left out, each field with its
 * place among the event's fields, is a shared value of its own ({@link SharedValues}), and the row
 * names it under {@link #REF}. Put back in their places, the fields make the event exactly as the
 * JSON sink wrote it, in its order.
 */
final class LeftOut {
    /** The key in a row's {@code shared} column that names what it left out: no field is named so. */
    static final String REF = "*";

    /** Fields whose values the event's other fields give, put back from them. */
    static final Set<String> GIVEN = Set.of("time", "argv", "pid_tree");

    /** How a field left out comes back: its empty value, or given by the others (null in the shared value). */
    private static final byte TEXT = 0, ZERO = 1, FALSE = 2, LIST = 3, GIVEN_BY_OTHERS = 4;

    /** The left-out lists written lately, by hash, so that a row that leaves out what one before it did builds nothing. */
    private static final int REMEMBERED = 64;

    private String[] names = new String[32];
    private byte[] how = new byte[32];
    private int[] at = new int[32];
    private int count, position;
    private final Map<Long, Known> known = new HashMap<>();

    /** The shared value, JSON already: [[place, name, value or null when given by the others], …]. */
    record Value(String json) {}

    private record Known(String[] names, byte[] how, int[] at, Value value) {
        boolean same(String[] n, byte[] h, int[] a, int count) {
            return names.length == count && Arrays.equals(how, 0, count, h, 0, count) && Arrays.equals(at, 0, count, a, 0, count)
                    && Arrays.equals(names, 0, count, n, 0, count);
        }
    }

    /** Before each event. */
    void begin() {
        count = 0;
        position = 0;
    }

    /** The next field is in the row. */
    void kept() {
        position++;
    }

    void emptyText(String name) {
        leave(name, TEXT);
    }

    void zero(String name) {
        leave(name, ZERO);
    }

    void no(String name) {
        leave(name, FALSE);
    }

    void emptyList(String name) {
        leave(name, LIST);
    }

    void given(String name) {
        leave(name, GIVEN_BY_OTHERS);
    }

    private void leave(String name, byte how) {
        if (count == names.length) {
            names = Arrays.copyOf(names, count * 2);
            this.how = Arrays.copyOf(this.how, count * 2);
            at = Arrays.copyOf(at, count * 2);
        }
        names[count] = name;
        this.how[count] = how;
        at[count] = position++;
        count++;
    }

    /** What this event's row left out, as its shared value; null when it left nothing out. */
    Value value() {
        if (count == 0) {
            return null;
        }
        long hash = count;
        for (int i = 0; i < count; i++) {
            hash = (hash * 31 + names[i].hashCode()) * 31 + at[i] * 8L + how[i];
        }
        Known k = known.get(hash);
        if (k != null && k.same(names, how, at, count)) {
            return k.value;
        }
        ArrayNode list = JsonNodeFactory.instance.arrayNode(count);
        for (int i = 0; i < count; i++) {
            ArrayNode one = list.addArray().add(at[i]).add(names[i]);
            switch (how[i]) {
                case TEXT -> one.add("");
                case ZERO -> one.add(0);
                case FALSE -> one.add(false);
                case LIST -> one.addArray();
                default -> one.addNull();
            }
        }
        k = new Known(Arrays.copyOf(names, count), Arrays.copyOf(how, count), Arrays.copyOf(at, count), new Value(list.toString()));
        if (known.size() >= REMEMBERED) {
            known.clear();
        }
        known.put(hash, k);
        return k.value;
    }

    /**
     * Puts back into `event` (a row's JSON) the fields `leftOut` (the shared value) names, each in
     * its place; one the row holds already keeps the row's value.
     */
    static void restore(ObjectNode event, JsonNode leftOut) {
        if (!leftOut.isArray() || leftOut.isEmpty()) {
            return;
        }
        List<Map.Entry<String, JsonNode>> kept = new ArrayList<>(event.size());
        Set<String> keptNames = new java.util.HashSet<>(event.size() * 2);
        for (var e : event.properties()) {
            kept.add(Map.entry(e.getKey(), e.getValue()));
            keptNames.add(e.getKey());
        }
        event.removeAll();
        int next = 0, place = 0;
        List<String> given = new ArrayList<>(GIVEN.size());
        for (JsonNode one : leftOut) {
            int at = one.path(0).asInt(-1);
            String name = one.path(1).asText("");
            while (place < at && next < kept.size()) {
                event.set(kept.get(next).getKey(), kept.get(next).getValue());
                next++;
                place++;
            }
            if (!name.isEmpty() && !event.has(name) && !keptNames.contains(name)) {
                JsonNode value = one.path(2);
                event.set(name, value.isMissingNode() ? JsonNodeFactory.instance.nullNode() : value.deepCopy());
                if (value.isNull()) {
                    given.add(name);
                }
            }
            place++;
        }
        for (; next < kept.size(); next++) {
            event.set(kept.get(next).getKey(), kept.get(next).getValue());
        }
        for (String name : given) {
            event.set(name, given(name, event));
        }
    }

    /** A field {@link #GIVEN} by the event's others, as the event's own code makes it. */
    private static JsonNode given(String name, ObjectNode event) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (name) {
            case "time" -> f.textNode(WallTime.iso(event.path("ts").asLong()));
            case "argv" -> {
                List<String> args = new ArrayList<>();
                event.path("args").forEach(a -> args.add(a.asText()));
                yield f.textNode(String.join(" ", args));
            }
            case "pid_tree" -> {
                StringBuilder sb = new StringBuilder();
                for (JsonNode n : event.path("ancestors")) {
                    if (!sb.isEmpty()) {
                        sb.append('<');
                    }
                    sb.append(n.path("pid").asLong()).append('.').append(n.path("comm").asText());
                }
                yield f.textNode(sb.toString());
            }
            default -> f.nullNode();
        };
    }
}
