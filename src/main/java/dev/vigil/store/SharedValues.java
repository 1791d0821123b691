package dev.vigil.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.event.Catalogue;
import dev.vigil.event.FieldSink;
import dev.vigil.event.PidTree;
import dev.vigil.sink.JsonWriter;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Values many events repeat, kept once each in the {@code shared_values} table: those of
 * {@link Catalogue#REPEATED} fields (an exec's environment and capability sets), and the list of
 * what a row left out ({@link LeftOut}). An event's row holds a repeated field as {@code null}, in
 * its place, and its {@code shared} column names the values' rows ({@code {"env":12,"*":3}});
 * readers put the values back ({@link Reader}). A build's hundreds of execs share one environment
 * and one or two capability sets, which were two thirds of each exec's row and of the store's writing.
 */
public final class SharedValues {
    /** Values written lately and their rows: a value seen again costs a look-up, not a row. */
    private static final int REMEMBERED = 512;

    /**
     * A value's row says the newest event that named it, to within this: the row is rewritten when
     * an event names it this much later, rather than at every event.
     */
    private static final long REFRESH_NS = 3_600_000_000_000L;

    private final PreparedStatement insert, touch;
    private final Map<Object, Row> ids = new LinkedHashMap<>(REMEMBERED * 2, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Object, Row> eldest) {
            return size() > REMEMBERED;
        }
    };
    private final JsonWriter valueJson = new JsonWriter();
    private long nextId;

    SharedValues(Connection db) throws SQLException {
        insert = db.prepareStatement("INSERT INTO shared_values(id, json, last_ts) VALUES (?,?,?)");
        touch = db.prepareStatement("UPDATE shared_values SET last_ts = ? WHERE id = ?");
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT coalesce(max(id), 0) FROM shared_values")) {
            nextId = r.getLong(1) + 1;
        }
    }

    /**
     * A sink that writes an event's fields into `json`, its repeated ones as null with their
     * values' rows (new ones inserted, in the writer's open transaction) named in `refs`, and takes
     * the store's columns as they pass.
     */
    final class Splitter implements FieldSink {
        private final JsonWriter json;
        private final StringBuilder refs = new StringBuilder();
        private final LeftOut leftOut = new LeftOut();
        private SQLException failed;
        private Columns columns;

        Splitter(JsonWriter json) {
            this.json = json;
        }

        /** Before each event, with the columns to take its row's values into as they pass. */
        void begin(Columns columns) {
            this.columns = columns.reset();
            refs.setLength(0);
            leftOut.begin();
            failed = null;
        }

        /** The {@code shared} column: {"field":id,…}, or null when the event had no repeated field and left nothing out. */
        String refs() throws SQLException {
            LeftOut.Value left = leftOut.value();
            if (left != null) {
                ref(LeftOut.REF, left);
            }
            if (failed != null) {
                throw failed;
            }
            return refs.isEmpty() ? null : refs.append('}').toString();
        }

        /**
         * An event known as its fields (from Kafka, a source of its own, a recording), in their
         * order: split as a live event's are. A value no field kind holds (a nested object, a list
         * of other than text, a fraction, null) is kept in the row as it is.
         */
        void fields(Map<String, Object> f) {
            f.forEach((name, v) -> {
                switch (v) {
                    case String s -> field(name, s);
                    case Boolean b -> field(name, b.booleanValue());
                    case Long n -> field(name, n.longValue());
                    case Integer n -> field(name, n.longValue());
                    case List<?> l when texts(l) -> {
                        @SuppressWarnings("unchecked")
                        List<String> text = (List<String>) l;
                        field(name, text);
                    }
                    case null, default -> {
                        leftOut.kept();
                        json.field(name, v);
                    }
                }
            });
            if (columns.host == null) {
                columns.host = String.valueOf(f.get("nodename"));
            }
            if (columns.type == null) {
                columns.type = String.valueOf(f.get("event"));
            }
        }

        private static boolean texts(List<?> l) {
            for (Object x : l) {
                if (!(x instanceof String)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void field(String name, String value) {
            columns.field(name, value);
            if (value == null || value.isEmpty()) {
                leftOut.emptyText(name);
            } else if (Catalogue.REPEATED.contains(name)) {
                shared(name, value);
            } else {
                leftOut.kept();
                json.field(name, value);
            }
        }

        @Override
        public void field(String name, List<String> values) {
            columns.field(name, values);
            if (values.isEmpty()) {
                leftOut.emptyList(name);
            } else if (Catalogue.REPEATED.contains(name)) {
                shared(name, values);
            } else {
                leftOut.kept();
                json.field(name, values);
            }
        }

        @Override
        public void field(String name, long value) {
            columns.field(name, value);
            if (value == 0) {
                leftOut.zero(name);
            } else {
                leftOut.kept();
                json.field(name, value);
            }
        }

        @Override
        public void field(String name, boolean value) {
            if (!value) {
                leftOut.no(name);
            } else {
                leftOut.kept();
                json.field(name, true);
            }
        }

        @Override
        public void rendered(String name, java.util.function.Supplier<String> value) {
            if (LeftOut.GIVEN.contains(name)) {
                leftOut.given(name); // never made: the reader renders it again
            } else {
                field(name, value.get());
            }
        }

        @Override
        public void ancestry(PidTree tree) {
            leftOut.given("pid_tree");
            leftOut.kept();
            json.ancestors(tree);
        }

        private void shared(String name, Object value) {
            leftOut.kept();
            json.field(name, (Object) null);
            ref(name, value);
        }

        private void ref(String name, Object value) {
            try {
                refs.append(refs.isEmpty() ? "{\"" : ",\"").append(name).append("\":").append(id(name, value, columns.ts));
            } catch (SQLException e) {
                failed = e;
            }
        }
    }

    /** A value's row, and the newest time written in it. */
    private record Row(long id, long lastTs) {}

    /**
     * Per field (its name), the value it named last and that value's row: an exec's environment and
     * capability sets are usually the very objects the exec before it named (the decoder and the
     * capability names keep them), found here without hashing a list of forty strings or reordering
     * the remembered values.
     */
    private final String[] recentNames = new String[8];
    private final Object[] recentValues = new Object[8];
    private final Row[] recentRows = new Row[8];

    private long id(String name, Object value, long ts) throws SQLException {
        int k = 0;
        while (k < recentNames.length && recentNames[k] != null && !name.equals(recentNames[k])) {
            k++;
        }
        if (k < recentNames.length && recentValues[k] == value && recentNames[k] != null && ts - recentRows[k].lastTs < REFRESH_NS) {
            return recentRows[k].id;
        }
        Row row = row(value, ts);
        if (k < recentNames.length) {
            recentNames[k] = name;
            recentValues[k] = value;
            recentRows[k] = row;
        }
        return row.id;
    }

    private Row row(Object value, long ts) throws SQLException {
        Row known = ids.get(value);
        if (known != null && ts - known.lastTs < REFRESH_NS) {
            return known;
        }
        if (known != null) {
            touch.setLong(1, ts);
            touch.setLong(2, known.id);
            if (touch.executeUpdate() == 1) {
                Row touched = new Row(known.id, ts);
                ids.put(value, touched);
                return touched;
            }
        }
        long id = nextId++;
        insert.setLong(1, id);
        insert.setString(2, value instanceof LeftOut.Value v ? v.json() : valueJson.json(value));
        insert.setLong(3, ts);
        insert.executeUpdate();
        Row row = new Row(id, ts);
        ids.put(value, row);
        return row;
    }

    /** After a failed or rolled-back write: the values remembered may have no row. */
    void forget() {
        ids.clear();
        java.util.Arrays.fill(recentNames, null);
        java.util.Arrays.fill(recentValues, null);
        java.util.Arrays.fill(recentRows, null);
    }

    void close() throws SQLException {
        insert.close();
        touch.close();
    }

    /**
     * Deletes the values no event at or after `minTs` names: those whose newest event is older than
     * that by more than the refresh interval (an event that named a value later rewrote its row).
     */
    static int prune(Connection db, long minTs) throws SQLException {
        try (PreparedStatement p = db.prepareStatement("DELETE FROM shared_values WHERE last_ts < ?")) {
            p.setLong(1, minTs - REFRESH_NS);
            return p.executeUpdate();
        }
    }

    /**
     * Puts events' repeated values back in their places, for one read of many events: each value is
     * read and parsed once, however many of the events name it.
     */
    public static final class Reader implements AutoCloseable {
        private final PreparedStatement select;
        private final ObjectMapper json;
        private final Map<Long, JsonNode> values = new java.util.HashMap<>();

        public Reader(Connection db, ObjectMapper json) throws SQLException {
            this.select = db.prepareStatement("SELECT json FROM shared_values WHERE id = ?");
            this.json = json;
        }

        /** Restores `event` from its {@code shared} column `refs` (null: nothing to restore). */
        public void restore(ObjectNode event, String refs) throws SQLException {
            if (refs == null) {
                return;
            }
            try {
                for (var f : json.readTree(refs).properties()) {
                    JsonNode v = value(f.getValue().asLong());
                    if (v != null && f.getKey().equals(LeftOut.REF)) {
                        LeftOut.restore(event, v);
                    } else if (v != null) {
                        event.set(f.getKey(), v);
                    }
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException damaged) {
                // the fields stay null: the event is still worth showing
            }
        }

        private JsonNode value(long id) throws SQLException, com.fasterxml.jackson.core.JsonProcessingException {
            JsonNode known = values.get(id);
            if (known != null || values.containsKey(id)) {
                return known;
            }
            select.setLong(1, id);
            JsonNode v = null;
            try (ResultSet r = select.executeQuery()) {
                if (r.next()) {
                    v = json.readTree(r.getString(1));
                }
            }
            values.put(id, v);
            return v;
        }

        @Override
        public void close() throws SQLException {
            select.close();
        }
    }
}
