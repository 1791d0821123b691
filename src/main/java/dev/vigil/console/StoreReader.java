package dev.vigil.console;

import dev.vigil.event.Catalogue;
import dev.vigil.event.EventDef;
import dev.vigil.event.EventKind;
import dev.vigil.store.SharedValues;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.sql.Connection;
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
        this.db = dev.vigil.store.Store.connect("jdbc:sqlite:file:" + dbFile + "?mode=ro");
        try (var s = db.createStatement()) {
            s.execute("PRAGMA busy_timeout=5000");
        }
    }

    private static int limit(Integer asked) {
        return asked == null ? 100 : Math.max(1, Math.min(MAX_ROWS, asked));
    }

    /** Incidents matching the filter, newest first. */
    public synchronized ArrayNode incidents(Filter f) throws SQLException {
        Where w = new Where();
        w.in("severity", f.priorities());
        if (f.rule() != null) {
            w.add("id IN (SELECT incident_id FROM alerts WHERE rule = ?)", f.rule());
        }
        if (f.technique() != null) {
            w.add("EXISTS (SELECT 1 FROM json_each(incidents.techniques) t WHERE t.value = ? OR t.value LIKE ?)", f.technique(), f.technique() + ".%");
        }
        if (f.host() != null) {
            w.add("EXISTS (SELECT 1 FROM json_each(incidents.hosts) h WHERE h.value = ?)", f.host());
        }
        if (f.since() != null) {
            w.add("last_ts >= ?", f.since());
        }
        if (f.until() != null) {
            w.add("first_ts <= ?", f.until());
        }
        ArrayNode out = json.createArrayNode();
        try (PreparedStatement p = w.prepare(db, "SELECT * FROM incidents", "ORDER BY last_ts DESC LIMIT " + limit(f.limit()))) {
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

    /** Alerts matching the filter, newest first. */
    public synchronized ArrayNode alerts(Filter f) throws SQLException {
        Where w = new Where();
        w.in("priority", f.priorities());
        if (f.rule() != null) {
            w.add("rule = ?", f.rule());
        }
        if (f.technique() != null) {
            w.add("EXISTS (SELECT 1 FROM json_each(alerts.json, '$.tags') t WHERE t.value = ? OR t.value LIKE ?)", f.technique(), f.technique() + ".%");
        }
        if (f.host() != null) {
            w.add("host = ?", f.host());
        }
        if (f.since() != null) {
            w.add("ts >= ?", f.since());
        }
        if (f.until() != null) {
            w.add("ts <= ?", f.until());
        }
        return query(w, "SELECT json, incident_id FROM alerts", "ORDER BY ts DESC LIMIT " + limit(f.limit()));
    }

    private ArrayNode alertsWhere(String where, String arg, Integer limit) throws SQLException {
        Where w = new Where();
        w.add(where, arg);
        return query(w, "SELECT json, incident_id FROM alerts", "ORDER BY ts LIMIT " + limit(limit == null ? MAX_ROWS : limit));
    }

    private ArrayNode query(Where w, String select, String tail) throws SQLException {
        ArrayNode out = json.createArrayNode();
        try (PreparedStatement p = w.prepare(db, select, tail); ResultSet r = p.executeQuery()) {
            while (r.next()) {
                JsonNode a = parse(r.getString(1));
                if (a instanceof ObjectNode o) {
                    o.put("incident_id", r.getString(2));
                }
                out.add(a);
            }
        }
        return out;
    }

    public synchronized ObjectNode alert(String id) throws SQLException {
        ArrayNode a = alertsWhere("id = ?", id, 1);
        return a.isEmpty() ? null : (ObjectNode) a.get(0);
    }

    /** Every key an event names a path under: each event type's path field, from the catalogue. */
    static final List<String> PATH_KEYS = List.copyOf(dev.vigil.event.Catalogue.pathFields());

    /** Events matching the filter, newest first. */
    public synchronized ArrayNode events(Filter f) throws SQLException {
        Where w = new Where();
        if (f.type() != null) {
            w.add("type = ?", f.type());
        }
        if (f.host() != null) {
            w.add("host = ?", f.host());
        }
        if (f.process() != null) {
            String p = f.process();
            if (p.chars().filter(c -> c == ':').count() == 2) {
                w.add("exec_id = ?", p);
            } else if (p.chars().allMatch(Character::isDigit)) {
                w.add("pid = ?", Long.parseLong(p));
            } else {
                w.add("json_extract(json, '$.comm') = ?", p);
            }
        }
        if (f.path() != null) {
            w.add("EXISTS (SELECT 1 FROM json_each(events.json) j WHERE j.key IN ('" + String.join("','", PATH_KEYS)
                    + "') AND instr(j.value, ?) > 0)", f.path());
        }
        if (f.address() != null) {
            w.add("(json_extract(json, '$.dip') = ? OR json_extract(json, '$.sip') = ?"
                    + " OR EXISTS (SELECT 1 FROM json_each(events.json, '$.source_ips') ip WHERE ip.value = ?))", f.address(), f.address(), f.address());
        }
        f.audit().forEach((field, value) -> { // field names come from Filter's table, never from the query
            w.add("json_extract(json, '$." + field + "') = ?", value);
        });
        if (f.since() != null) {
            w.add("ts >= ?", f.since());
        }
        if (f.until() != null) {
            w.add("ts <= ?", f.until());
        }
        return eventsWhere(w, "ORDER BY ts DESC LIMIT " + limit(f.limit()));
    }

    /**
     * The cluster joined to the host: each Kubernetes user who exec'd or attached into a pod (an
     * alert's `pods/exec` audit event) is a node, with an edge to the pod, and the pod an edge to
     * each process of the graph that started in it from outside it (the exec's shell, under the
     * container runtime): "alice → kubectl exec → pod shop/web-1 → sh → …".
     */
    private void kubernetesExecs(JsonNode inc, Map<String, ObjectNode> rows, Map<String, String> nodeOf, ArrayNode nodes, ArrayNode edges,
                                 Set<String> edgeIds) throws SQLException {
        Set<String> pods = new LinkedHashSet<>(), users = new LinkedHashSet<>();
        for (JsonNode a : inc.get("alerts")) {
            for (JsonNode e : a.path("events")) {
                String sub = e.path("subresource").asText("");
                if (!e.path("event").asText().equals(dev.vigil.event.K8sAuditType.K8S_AUDIT.eventName())
                        || !dev.vigil.event.K8sAuditType.intoPod(e.path("resource").asText(), sub)) {
                    continue;
                }
                String pod = e.path("target_namespace").asText("") + "/" + e.path("target_name").asText("");
                String user = "k8s:" + e.path("k8s_user").asText("");
                if (pods.add("pod:" + pod)) {
                    nodes.add(json.createObjectNode().put("id", "pod:" + pod).put("kind", "pod").put("label", pod)
                            .put("cluster", e.path("cluster").asText("")));
                }
                if (users.add(user)) {
                    nodes.add(json.createObjectNode().put("id", user).put("kind", "k8s_user").put("label", e.path("k8s_user").asText("")));
                }
                String command = String.join(" ", params(e.path("uri").asText(""), "command"));
                edge(edges, edgeIds, user, "pod:" + pod, "kubectl " + sub + (command.isEmpty() ? "" : ": " + command));
            }
        }
        if (pods.isEmpty()) {
            return;
        }
        for (ObjectNode row : rows.values()) {
            String id = row.get("exec_id").asText();
            JsonNode first = eventsOf(id, 1).path(0);
            String pod = "pod:" + first.path("k8s_ns_name").asText("") + "/" + first.path("k8s_pod_name").asText("");
            if (!pods.contains(pod)) {
                continue;
            }
            JsonNode parent = rows.get(row.path("parent_exec_id").asText(""));
            JsonNode parentFirst = parent == null ? null : eventsOf(parent.get("exec_id").asText(), 1).path(0);
            if (parentFirst == null || !pod.equals("pod:" + parentFirst.path("k8s_ns_name").asText("") + "/" + parentFirst.path("k8s_pod_name").asText(""))) {
                edge(edges, edgeIds, pod, nodeOf.get(id), "exec");
            }
        }
    }

    /**
     * The JVM's view joined to the host's: the HTTP request a Java thread was serving and the code
     * that served it are nodes, "request → handler → the process it started → its socket", for each
     * process of the graph a Java call started (its exec carries the call's stack and request), and
     * "request → handler → the JVM" for each RASP alert (a JNDI lookup, a memory shell) that never
     * reached the kernel.
     */
    private void javaCalls(JsonNode inc, Map<String, ObjectNode> rows, Map<String, String> nodeOf, ArrayNode nodes, ArrayNode edges,
                           Set<String> edgeIds) throws SQLException {
        Set<String> added = new LinkedHashSet<>();
        for (ObjectNode row : rows.values()) {
            String id = row.get("exec_id").asText();
            JsonNode joined = javaOrigin(id);
            if (joined != null && nodeOf.get(id) != null && javaStart(rows, row)) {
                String handler = javaNodes(joined, nodes, edges, edgeIds, added);
                edge(edges, edgeIds, handler, nodeOf.get(id), "started " + String.join(" ", strings(joined.path("args"))));
            }
        }
        for (JsonNode a : inc.get("alerts")) {
            for (JsonNode e : a.path("events")) {
                String id = e.path("exec_id").asText("");
                if (e.path("event").asText().startsWith("jvm_") && nodeOf.containsKey(id)) {
                    String handler = javaNodes(e, nodes, edges, edgeIds, added);
                    edge(edges, edgeIds, handler, nodeOf.get(id), e.path("event").asText() + " " + e.path("jvm_target").asText(""));
                }
            }
        }
    }

    /** The first of a process's early events that carries a Java origin (its exec of what Java asked for: the JVM's helper runs first), or null. */
    private JsonNode javaOrigin(String execId) throws SQLException {
        for (JsonNode e : eventsOf(execId, 4)) {
            if (e.path("jvm_pid").canConvertToLong()) {
                return e;
            }
        }
        return null;
    }

    /** Whether this process is the one a Java call started, not a descendant that carries the origin on. */
    private boolean javaStart(Map<String, ObjectNode> rows, ObjectNode row) throws SQLException {
        ObjectNode parent = rows.get(row.path("parent_exec_id").asText(""));
        return parent == null || javaOrigin(parent.get("exec_id").asText()) == null;
    }

    /** The request and handler nodes of a Java call (added once each); the handler's id. */
    private String javaNodes(JsonNode e, ArrayNode nodes, ArrayNode edges, Set<String> edgeIds, Set<String> added) {
        String handler = e.path("http_handler").asText("");
        if (handler.isEmpty()) {
            handler = firstApplicationFrame(e.path("jvm_stack"));
        }
        String handlerId = "handler:" + handler;
        if (added.add(handlerId)) {
            nodes.add(json.createObjectNode().put("id", handlerId).put("kind", "java_handler").put("label", handler)
                    .set("stack", e.path("jvm_stack")));
        }
        String url = e.path("http_url").asText("");
        if (!url.isEmpty()) {
            String request = e.path("http_method").asText("") + " " + url;
            String requestId = "request:" + request + " from " + e.path("http_remote").asText("");
            if (added.add(requestId)) {
                nodes.add(json.createObjectNode().put("id", requestId).put("kind", "http_request").put("label", request)
                        .put("remote", e.path("http_remote").asText("")));
            }
            edge(edges, edgeIds, requestId, handlerId, "served by");
        }
        return handlerId;
    }

    /** The innermost frame of the application's own code: the first not of the JDK. */
    private static String firstApplicationFrame(JsonNode stack) {
        for (JsonNode f : stack) {
            String frame = f.asText();
            if (!frame.startsWith("java.") && !frame.startsWith("jdk.") && !frame.startsWith("sun.") && !frame.startsWith("javax.")
                    && !frame.startsWith("jakarta.") && !frame.startsWith("com.sun.")) {
                int paren = frame.indexOf('(');
                return paren < 0 ? frame : frame.substring(0, paren);
            }
        }
        return "java";
    }

    private static List<String> strings(JsonNode list) {
        List<String> out = new ArrayList<>();
        list.forEach(x -> out.add(x.asText()));
        return out;
    }

    /** Every value of a query parameter of a URI, decoded (kubectl sends a command's words as repeated `command=`). */
    private static List<String> params(String uri, String key) {
        List<String> out = new ArrayList<>();
        int q = uri.indexOf('?');
        if (q < 0) {
            return out;
        }
        for (String pair : uri.substring(q + 1).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(key)) {
                out.add(java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    /** One process's events in time order. */
    public synchronized ArrayNode eventsOf(String execId, int limit) throws SQLException {
        Where w = new Where();
        w.add("exec_id = ?", execId);
        return eventsWhere(w, "ORDER BY ts LIMIT " + limit);
    }

    private ArrayNode eventsWhere(Where w, String tail) throws SQLException {
        ArrayNode out = json.createArrayNode();
        try (PreparedStatement p = w.prepare(db, "SELECT json, shared FROM events", tail); ResultSet r = p.executeQuery();
             SharedValues.Reader shared = new SharedValues.Reader(db, json)) {
            while (r.next()) {
                JsonNode e = parse(r.getString(1));
                if (e instanceof ObjectNode o) {
                    shared.restore(o, r.getString(2));
                }
                out.add(e);
            }
        }
        return out;
    }

    /**
     * A process (one exec): its row, its ancestors (nearest first), its children, the files it
     * touched and the peers it talked to (each with what it did), and its events in time order.
     */
    public synchronized ObjectNode process(String execId) throws SQLException {
        ObjectNode p = processRow(execId);
        if (p == null) {
            return null;
        }
        ArrayNode ancestors = p.putArray("ancestors");
        Set<String> seen = new LinkedHashSet<>(List.of(execId));
        for (String up = p.path("parent_exec_id").asText(""); !up.isEmpty() && seen.add(up) && seen.size() <= 64; ) {
            ObjectNode row = processRow(up);
            if (row == null) {
                break;
            }
            ancestors.add(row);
            up = row.path("parent_exec_id").asText("");
        }
        ArrayNode children = p.putArray("children");
        for (String c : children(List.of(execId))) {
            children.add(processRow(c));
        }
        ArrayNode events = eventsOf(execId, 500);
        Map<String, Set<String>> files = new LinkedHashMap<>(), peers = new LinkedHashMap<>();
        for (JsonNode e : events) {
            String target = target(e);
            if (target != null) {
                (target.startsWith("file:") ? files : peers).computeIfAbsent(target.substring(target.indexOf(':') + 1),
                        k -> new LinkedHashSet<>()).add(e.path("event").asText());
            }
        }
        p.set("files", touched(files, "path"));
        p.set("peers", touched(peers, "peer"));
        p.set("events", events);
        return p;
    }

    private ArrayNode touched(Map<String, Set<String>> what, String key) {
        ArrayNode out = json.createArrayNode();
        what.forEach((k, ops) -> {
            ObjectNode n = out.addObject();
            n.put(key, k);
            ops.forEach(n.putArray("did")::add);
        });
        return out;
    }

    /**
     * What an event did something to, as a graph node id: file:PATH (the path its declaration names,
     * unless that is the program run, which the process node shows), peer:IP:PORT (an event whose
     * dip/dport name a peer), dns:NAME (a query); or null.
     */
    private static String target(JsonNode e) {
        String type = e.path("event").asText();
        EventKind kind = Catalogue.kind(type);
        if (kind == null) {
            return null;
        }
        EventDef def = kind.def();
        String target = null;
        if (type.equals("dns")) {
            target = e.path("response").asBoolean(false) ? null : "dns:" + e.path("query").asText();
        } else if (!def.path().isEmpty() && !def.path().equals("exe")) {
            target = "file:" + e.path(def.path()).asText("");
        } else if (def.peer()) {
            target = e.path("dip").asText("").isEmpty() ? null : "peer:" + e.path("dip").asText() + ":" + e.path("dport").asText();
        }
        return target == null || target.endsWith(":") ? null : target;
    }

    /** The container a process ran in, from its first event (id, name, image, runtime, privileged); null on the host. */
    private ObjectNode containerOf(String execId) throws SQLException {
        JsonNode first = eventsOf(execId, 1).path(0);
        String id = first.path("container_id").asText("");
        if (id.isEmpty()) {
            return null;
        }
        ObjectNode c = json.createObjectNode();
        c.put("id", id);
        for (String f : List.of("name", "image", "runtime")) {
            c.put(f, first.path("container_" + f).asText(""));
        }
        c.put("privileged", first.path("container_privileged").asBoolean(false));
        if (first.hasNonNull("k8s_pod_name")) {
            c.put("pod", first.path("k8s_ns_name").asText("") + "/" + first.path("k8s_pod_name").asText(""));
        }
        return c;
    }

    /** The edge from a parent to its child: "spawned", or the crossing when one is in a container and the other is not (or in another). */
    private static String spawnEdge(JsonNode parent, JsonNode child) {
        String from = parent.path("container").path("id").asText(""), to = child.path("container").path("id").asText("");
        if (from.equals(to)) {
            return "spawned";
        }
        return to.isEmpty() ? "spawned on the host, out of container " + name(parent.path("container"))
                : "spawned into container " + name(child.path("container"));
    }

    private static String name(JsonNode container) {
        String n = container.path("name").asText("");
        return n.isEmpty() ? container.path("id").asText("") : n;
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
                long uid = r.getLong("uid");
                if (!r.wasNull()) {
                    n.put("uid", uid);
                }
                n.put("user", r.getString("user"));
                n.put("started_ts", r.getLong("started_ts"));
                long ended = r.getLong("ended_ts");
                if (!r.wasNull()) {
                    n.put("ended_ts", ended);
                    n.put("exit_code", r.getLong("exit_code"));
                }
                ObjectNode container = containerOf(execId);
                if (container != null) {
                    n.set("container", container);
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
        return graph(incidentId, false);
    }

    /** With `everything`, what every process of the stories started is drawn too, not only the alerting processes' descendants. */
    public synchronized ObjectNode graph(String incidentId, boolean everything) throws SQLException {
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
        // the entry point the story came through (sshd, a web server, cron…) heads the graph
        ObjectNode rootRow = inc.path("root_exec_id").isTextual() ? processRow(inc.get("root_exec_id").asText()) : null;
        String entry = rootRow == null ? "" : rootRow.path("parent_exec_id").asText("");
        if (!entry.isEmpty()) {
            procs.add(entry);
        }
        inc.get("processes").forEach(p -> procs.add(p.asText()));
        procs.addAll(alertedBy.keySet());
        // the stories are drawn as chains; only the alerting processes are followed down to what they started
        List<String> frontier = new ArrayList<>(everything ? procs : alertedBy.keySet());
        frontier.remove(entry);
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
            if (id.equals(entry)) {
                n.put("entry", true);
            }
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
                edge(edges, edgeIds, nodeOf.get(parent), child, spawnEdge(rows.get(parent), row));
            }
        }
        Set<String> others = new LinkedHashSet<>();
        for (String p : rows.keySet()) {
            for (JsonNode e : eventsOf(p, 200)) {
                String type = e.path("event").asText();
                String target = target(e);
                if (target == null) {
                    continue;
                }
                // a host file reached from a container through a mount: the node is the host's file, the crossing is on the edge
                String hostPath = e.path("host_path").asText("");
                if (!hostPath.isEmpty() && !target.equals("file:" + hostPath) && e.path("in_container").asBoolean(false)) {
                    target = "file:" + hostPath;
                    type = type + " (host file, as " + e.path(Catalogue.kind(type).def().path()).asText("") + " in the container)";
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
        kubernetesExecs(inc, rows, nodeOf, nodes, edges, edgeIds);
        javaCalls(inc, rows, nodeOf, nodes, edges, edgeIds);
        ObjectNode g = json.createObjectNode();
        g.put("incident", incidentId);
        g.put("everything", everything);
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
        ruleHits().forEach((rule, h) -> out.put(rule, h.path("hits").asLong()));
        return out;
    }

    /**
     * Per rule in the store: hits (every match, folded repeats included), alerts (rows), and the
     * first and last time it fired.
     */
    public synchronized Map<String, ObjectNode> ruleHits() throws SQLException {
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        try (var s = db.createStatement(); ResultSet r = s.executeQuery("""
                SELECT rule, sum(CASE WHEN kind = 'folded' THEN coalesce(json_extract(json, '$.count'), 0) ELSE 1 END),
                       sum(kind != 'folded'), min(ts), max(ts)
                FROM alerts GROUP BY rule ORDER BY rule""")) {
            while (r.next()) {
                ObjectNode n = json.createObjectNode();
                n.put("hits", r.getLong(2));
                n.put("alerts", r.getLong(3));
                n.put("first_ts", r.getLong(4));
                n.put("last_ts", r.getLong(5));
                out.put(r.getString(1), n);
            }
        }
        return out;
    }

    /** A WHERE clause built from fixed SQL fragments and bound values (never from request text). */
    private static final class Where {
        private final List<String> clauses = new ArrayList<>();
        private final List<Object> args = new ArrayList<>();

        void add(String clause, Object... values) {
            clauses.add(clause);
            args.addAll(List.of(values));
        }

        void in(String column, List<String> values) {
            if (!values.isEmpty()) {
                add(column + " IN (" + String.join(",", java.util.Collections.nCopies(values.size(), "?")) + ")", values.toArray());
            }
        }

        PreparedStatement prepare(Connection db, String select, String tail) throws SQLException {
            PreparedStatement p = db.prepareStatement(select + (clauses.isEmpty() ? "" : " WHERE " + String.join(" AND ", clauses)) + " " + tail);
            for (int i = 0; i < args.size(); i++) {
                p.setObject(i + 1, args.get(i));
            }
            return p;
        }
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
