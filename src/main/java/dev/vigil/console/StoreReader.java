package dev.vigil.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the console reads from the store: incidents, alerts, events and processes as JSON, and an
 * incident's attack graph — its processes (the story of each alert and what they started), the
 * files they created, changed or deleted, the peers they talked to and the names they resolved,
 * with the alerting processes marked by their rules. A read-only connection of its own.
 */
public final class StoreReader implements AutoCloseable {
    static final int MAX_ROWS = 1000, MAX_GRAPH_PROCESSES = 500, SIBLING_GROUP = 5;

    private final ObjectMapper json = new ObjectMapper();
    private final Connection db;

    public StoreReader(Path dbFile) throws SQLException {
        this.db = DriverManager.getConnection("jdbc:sqlite:file:" + dbFile + "?mode=ro");
        try (var s = db.createStatement()) {
            s.execute("PRAGMA busy_timeout=5000");
        }
    }

    private static int limit(Integer asked) {
        return asked == null ? 100 : Math.max(1, Math.min(MAX_ROWS, asked));
    }

    public synchronized ArrayNode incidents(Integer limit) throws SQLException {
        ArrayNode out = json.createArrayNode();
        try (PreparedStatement p = db.prepareStatement("SELECT * FROM incidents ORDER BY last_ts DESC LIMIT ?")) {
            p.setInt(1, limit(limit));
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    out.add(incident(r));
                }
            }
        }
        return out;
    }

    private ObjectNode incident(ResultSet r) throws SQLException {
        ObjectNode n = json.createObjectNode();
        n.put("id", r.getString("id"));
        n.put("title", r.getString("title"));
        n.put("severity", r.getString("severity"));
        n.put("first_ts", r.getLong("first_ts"));
        n.put("last_ts", r.getLong("last_ts"));
        n.set("hosts", parse(r.getString("hosts")));
        n.set("techniques", parse(r.getString("techniques")));
        n.put("alert_count", r.getLong("alert_count"));
        n.put("root_exec_id", r.getString("root_exec_id"));
        n.set("processes", parse(r.getString("processes")));
        return n;
    }

    /** One incident with its alerts, or null. */
    public synchronized ObjectNode incident(String id) throws SQLException {
        try (PreparedStatement p = db.prepareStatement("SELECT * FROM incidents WHERE id = ?")) {
            p.setString(1, id);
            try (ResultSet r = p.executeQuery()) {
                if (!r.next()) {
                    return null;
                }
                ObjectNode n = incident(r);
                n.set("alerts", alertsWhere("incident_id = ?", id, null));
                return n;
            }
        }
    }

    public synchronized ArrayNode alerts(String rule, String priority, Integer limit) throws SQLException {
        List<String> where = new ArrayList<>();
        List<String> args = new ArrayList<>();
        if (rule != null) {
            where.add("rule = ?");
            args.add(rule);
        }
        if (priority != null) {
            where.add("priority = ?");
            args.add(priority);
        }
        String sql = "SELECT json, incident_id FROM alerts" + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                + " ORDER BY ts DESC LIMIT " + limit(limit);
        return query(sql, args);
    }

    private ArrayNode alertsWhere(String where, String arg, Integer limit) throws SQLException {
        return query("SELECT json, incident_id FROM alerts WHERE " + where + " ORDER BY ts LIMIT " + limit(limit == null ? MAX_ROWS : limit),
                List.of(arg));
    }

    private ArrayNode query(String sql, List<String> args) throws SQLException {
        ArrayNode out = json.createArrayNode();
        try (PreparedStatement p = db.prepareStatement(sql)) {
            for (int i = 0; i < args.size(); i++) {
                p.setString(i + 1, args.get(i));
            }
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    JsonNode a = parse(r.getString(1));
                    if (a instanceof ObjectNode o) {
                        o.put("incident_id", r.getString(2));
                    }
                    out.add(a);
                }
            }
        }
        return out;
    }

    public synchronized ObjectNode alert(String id) throws SQLException {
        ArrayNode a = alertsWhere("id = ?", id, 1);
        return a.isEmpty() ? null : (ObjectNode) a.get(0);
    }

    public synchronized ArrayNode events(String type, String execId, Long since, Integer limit) throws SQLException {
        List<String> where = new ArrayList<>();
        List<Object> args = new ArrayList<>();
        if (type != null) {
            where.add("type = ?");
            args.add(type);
        }
        if (execId != null) {
            where.add("exec_id = ?");
            args.add(execId);
        }
        if (since != null) {
            where.add("ts >= ?");
            args.add(since);
        }
        ArrayNode out = json.createArrayNode();
        try (PreparedStatement p = db.prepareStatement("SELECT json FROM events" + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                + " ORDER BY ts DESC LIMIT " + limit(limit))) {
            for (int i = 0; i < args.size(); i++) {
                p.setObject(i + 1, args.get(i));
            }
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    out.add(parse(r.getString(1)));
                }
            }
        }
        return out;
    }

    /** A process (one exec) with its children and events, or null. */
    public synchronized ObjectNode process(String execId) throws SQLException {
        ObjectNode p = processRow(execId);
        if (p == null) {
            return null;
        }
        ArrayNode children = json.createArrayNode();
        for (String c : children(List.of(execId))) {
            children.add(processRow(c));
        }
        p.set("children", children);
        p.set("events", events(null, execId, null, 500));
        return p;
    }

    private ObjectNode processRow(String execId) throws SQLException {
        try (PreparedStatement s = db.prepareStatement("SELECT * FROM processes WHERE exec_id = ?")) {
            s.setString(1, execId);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    return null;
                }
                ObjectNode n = json.createObjectNode();
                n.put("exec_id", r.getString("exec_id"));
                n.put("host", r.getString("host"));
                n.put("pid", r.getLong("pid"));
                n.put("parent_exec_id", r.getString("parent_exec_id"));
                n.put("exe", r.getString("exe"));
                n.set("args", parse(r.getString("args")));
                n.put("comm", r.getString("comm"));
                n.put("uid", r.getLong("uid"));
                n.put("user", r.getString("user"));
                n.put("started_ts", r.getLong("started_ts"));
                long ended = r.getLong("ended_ts");
                if (!r.wasNull()) {
                    n.put("ended_ts", ended);
                    n.put("exit_code", r.getLong("exit_code"));
                }
                return n;
            }
        }
    }

    private List<String> children(List<String> parents) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement("SELECT exec_id FROM processes WHERE parent_exec_id = ? ORDER BY started_ts LIMIT 1000")) {
            for (String p : parents) {
                s.setString(1, p);
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        out.add(r.getString(1));
                    }
                }
            }
        }
        return out;
    }

    /**
     * The attack graph of an incident: nodes (process, process group, file, peer, dns) and edges
     * (spawned, and what a process did to a file or with a peer). Processes are the incident's
     * stories (each alert's process and its ancestors below the entry point) and the descendants of
     * the alerting processes, up to {@link #MAX_GRAPH_PROCESSES}; more than
     * {@link #SIBLING_GROUP} children of one parent running the same program become one counted group.
     */
    public synchronized ObjectNode graph(String incidentId) throws SQLException {
        ObjectNode inc = incident(incidentId);
        if (inc == null) {
            return null;
        }
        Map<String, List<String>> alertedBy = new LinkedHashMap<>();
        for (JsonNode a : inc.get("alerts")) {
            for (JsonNode e : a.path("events")) {
                String x = e.path("exec_id").asText("");
                if (!x.isEmpty()) {
                    alertedBy.computeIfAbsent(x, k -> new ArrayList<>()).add(a.path("rule").asText());
                }
            }
        }
        Set<String> procs = new LinkedHashSet<>();
        inc.get("processes").forEach(p -> procs.add(p.asText()));
        procs.addAll(alertedBy.keySet());
        // the stories are drawn as chains; only the alerting processes are followed down to what they started
        List<String> frontier = new ArrayList<>(alertedBy.keySet());
        for (int depth = 0; depth < 8 && !frontier.isEmpty() && procs.size() < MAX_GRAPH_PROCESSES; depth++) {
            List<String> next = new ArrayList<>();
            for (String c : children(frontier)) {
                if (procs.add(c)) {
                    next.add(c);
                }
                if (procs.size() >= MAX_GRAPH_PROCESSES) {
                    break;
                }
            }
            frontier = next;
        }
        ArrayNode nodes = json.createArrayNode(), edges = json.createArrayNode();
        Map<String, ObjectNode> rows = new LinkedHashMap<>();
        for (String p : procs) {
            ObjectNode row = processRow(p);
            if (row != null) {
                rows.put(p, row);
            }
        }
        // siblings running the same program under one parent, past a handful, become one group node
        Map<String, List<String>> siblings = new LinkedHashMap<>();
        for (ObjectNode row : rows.values()) {
            String key = row.path("parent_exec_id").asText("") + "|" + row.path("exe").asText("");
            siblings.computeIfAbsent(key, k -> new ArrayList<>()).add(row.get("exec_id").asText());
        }
        Map<String, String> nodeOf = new LinkedHashMap<>();
        for (var en : siblings.entrySet()) {
            List<String> ids = en.getValue();
            boolean group = ids.size() > SIBLING_GROUP && ids.stream().noneMatch(alertedBy::containsKey);
            for (String id : ids) {
                nodeOf.put(id, group ? "group:" + en.getKey() : id);
            }
            if (group) {
                ObjectNode g = json.createObjectNode();
                ObjectNode first = rows.get(ids.getFirst());
                g.put("id", "group:" + en.getKey());
                g.put("kind", "process_group");
                g.put("label", first.path("comm").asText() + " ×" + ids.size());
                g.put("count", ids.size());
                g.put("exe", first.path("exe").asText());
                nodes.add(g);
            }
        }
        for (ObjectNode row : rows.values()) {
            String id = row.get("exec_id").asText();
            if (!nodeOf.get(id).equals(id)) {
                continue;
            }
            ObjectNode n = row.deepCopy();
            n.put("id", id);
            n.put("kind", "process");
            n.put("label", row.path("comm").asText());
            if (alertedBy.containsKey(id)) {
                ArrayNode rules = n.putArray("rules");
                alertedBy.get(id).stream().distinct().forEach(rules::add);
            }
            nodes.add(n);
        }
        Set<String> edgeIds = new LinkedHashSet<>();
        for (ObjectNode row : rows.values()) {
            String parent = row.path("parent_exec_id").asText("");
            String child = nodeOf.get(row.get("exec_id").asText());
            if (nodeOf.containsKey(parent)) {
                edge(edges, edgeIds, nodeOf.get(parent), child, "spawned");
            }
        }
        Set<String> others = new LinkedHashSet<>();
        for (String p : rows.keySet()) {
            for (JsonNode e : events(null, p, null, 200)) {
                String type = e.path("event").asText();
                String target = switch (type) {
                    case "create_file", "file_write", "file_read", "chmod", "unlink", "rmdir", "watched_change", "file_capability" ->
                            "file:" + first(e, "file_path", "file", "filename");
                    case "rename", "link" -> "file:" + e.path("new_name").asText();
                    case "connect", "bind", "listen", "accept" -> e.path("dip").asText("").isEmpty() ? null
                            : "peer:" + e.path("dip").asText() + ":" + e.path("dport").asText();
                    case "dns" -> e.path("response").asBoolean(false) ? null : "dns:" + e.path("query").asText();
                    default -> null;
                };
                if (target == null || target.endsWith(":")) {
                    continue;
                }
                if (others.add(target)) {
                    ObjectNode n = json.createObjectNode();
                    n.put("id", target);
                    n.put("kind", target.substring(0, target.indexOf(':')));
                    n.put("label", target.substring(target.indexOf(':') + 1));
                    nodes.add(n);
                }
                edge(edges, edgeIds, nodeOf.get(p), target, type);
            }
        }
        ObjectNode g = json.createObjectNode();
        g.put("incident", incidentId);
        g.set("nodes", nodes);
        g.set("edges", edges);
        return g;
    }

    private void edge(ArrayNode edges, Set<String> seen, String from, String to, String what) {
        if (from == null || to == null || !seen.add(from + ">" + to + ">" + what)) {
            return;
        }
        ObjectNode e = json.createObjectNode();
        e.put("from", from);
        e.put("to", to);
        e.put("label", what);
        edges.add(e);
    }

    private static String first(JsonNode e, String... keys) {
        for (String k : keys) {
            String v = e.path(k).asText("");
            if (!v.isEmpty()) {
                return v;
            }
        }
        return "";
    }

    /** Counts for /metrics. */
    public synchronized Map<String, Long> counts() throws SQLException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String t : List.of("events", "processes", "alerts", "incidents")) {
            try (var s = db.createStatement(); ResultSet r = s.executeQuery("SELECT count(*) FROM " + t)) {
                out.put(t, r.next() ? r.getLong(1) : 0);
            }
        }
        return out;
    }

    public synchronized Map<String, Long> alertsByRule() throws SQLException {
        Map<String, Long> out = new LinkedHashMap<>();
        try (var s = db.createStatement(); ResultSet r = s.executeQuery("SELECT rule, count(*) FROM alerts GROUP BY rule ORDER BY rule")) {
            while (r.next()) {
                out.put(r.getString(1), r.getLong(2));
            }
        }
        return out;
    }

    private JsonNode parse(String s) {
        if (s == null) {
            return json.nullNode();
        }
        try {
            return json.readTree(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException bad) {
            return json.getNodeFactory().textNode(s);
        }
    }

    @Override
    public void close() throws SQLException {
        db.close();
    }
}
