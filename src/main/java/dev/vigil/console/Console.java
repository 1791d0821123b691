package dev.vigil.console;

import dev.vigil.event.Catalogue;
import dev.vigil.event.EventKind;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The console's HTTP side: a JSON API over the store and Prometheus metrics, behind a token.
 * Every request but {@code GET /health} needs {@code Authorization: Bearer TOKEN} (or the
 * {@code vigil_token} cookie the login page sets). Bound to loopback unless told otherwise.
 * Attacker-controlled text leaves only as JSON strings (escaped by Jackson) or plain text.
 */
public final class Console implements AutoCloseable {
    private final HttpServer http;
    private final StoreReader store;
    private final Token token;
    private final AgentView agent;
    private final ObjectMapper json = new ObjectMapper();

    private Console(HttpServer http, StoreReader store, Token token, AgentView agent) {
        this.http = http;
        this.store = store;
        this.token = token;
        this.agent = agent;
    }

    /** Starts on `at` over the store in `dataDir`; `agent` gives the live figures and rules behind /api/health, /api/rules and /metrics. */
    public static Console start(InetSocketAddress at, Path dataDir, AgentView agent) throws IOException {
        Token token = Token.load(dataDir);
        StoreReader reader;
        try {
            reader = new StoreReader(dataDir.resolve("vigil.db"));
        } catch (SQLException e) {
            throw new IOException("open the store for reading: " + e.getMessage(), e);
        }
        HttpServer http = HttpServer.create(at, 64);
        Console c = new Console(http, reader, token, agent);
        http.createContext("/", c::handle);
        http.setExecutor(Executors.newFixedThreadPool(4, Thread.ofPlatform().daemon().name("vigil-console-", 0).factory()));
        http.start();
        return c;
    }

    public InetSocketAddress address() {
        return http.getAddress();
    }

    public String token() {
        return token.value();
    }

    private boolean authorised(HttpExchange ex) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth != null && auth.startsWith("Bearer ") && token.matches(auth.substring(7).trim())) {
            return true;
        }
        String cookies = ex.getRequestHeaders().getFirst("Cookie");
        if (cookies != null) {
            for (String c : cookies.split(";")) {
                String[] kv = c.trim().split("=", 2);
                if (kv.length == 2 && kv[0].equals("vigil_token") && token.matches(kv[1])) {
                    return true;
                }
            }
        }
        return false;
    }

    private void handle(HttpExchange ex) throws IOException {
        // not try-with-resources: the exchange must still be open when a catch answers with the error
        try {
            route(ex);
        } catch (IllegalArgumentException badQuery) {
            send(ex, 400, "application/json", json.writeValueAsString(Map.of("error", String.valueOf(badQuery.getMessage()))));
        } catch (SQLException | RuntimeException e) {
            send(ex, 500, "application/json", json.writeValueAsString(Map.of("error", String.valueOf(e.getMessage()))));
        } finally {
            ex.close();
        }
    }

    private void route(HttpExchange ex) throws IOException, SQLException {
        String path = ex.getRequestURI().getPath();
        if (!ex.getRequestMethod().equals("GET")) {
            send(ex, 405, "text/plain", "only GET");
            return;
        }
        if (path.equals("/health")) {
            send(ex, 200, "application/json", "{\"status\":\"ok\"}");
            return;
        }
        // the page itself holds no data: it asks for the token and then calls the API with it
        if (path.equals("/") || path.startsWith("/static/")) {
            String name = path.equals("/") ? "index.html" : path.substring("/static/".length());
            byte[] file = STATIC.get(name);
            if (file == null) {
                send(ex, 404, "text/plain", "not found");
                return;
            }
            ex.getResponseHeaders().set("Content-Security-Policy",
                    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'");
            send(ex, 200, type(name), file);
            return;
        }
        if (!authorised(ex)) {
            ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"vigil\"");
            send(ex, 401, "application/json", "{\"error\":\"a token is needed: Authorization: Bearer TOKEN (vigil run prints it)\"}");
            return;
        }
        Map<String, String> q = query(ex.getRequestURI().getRawQuery());
        String[] p = path.split("/");
        Object body = switch (p.length > 2 && p[1].equals("api") ? p[2] : path) {
            case "incidents" -> p.length == 3 ? store.incidents(Filter.of(q))
                    : p.length == 4 ? store.incident(decode(p[3]))
                    : p.length == 5 && p[4].equals("graph") ? store.graph(decode(p[3]), "all".equals(q.get("expand")))
                    : p.length == 5 && p[4].equals("export") ? exportOf(ex, decode(p[3])) : null;
            case "alerts" -> p.length == 3 ? store.alerts(Filter.of(q))
                    : p.length == 4 ? store.alert(decode(p[3]))
                    : p.length == 5 && p[4].equals("graph") ? alertGraph(decode(p[3])) : null;
            case "events" -> p.length == 3 ? store.events(Filter.of(q)) : null;
            case "rules" -> p.length == 3 ? rules() : null;
            case "processes" -> p.length == 4 ? store.process(decode(p[3])) : null;
            case "health" -> p.length == 3 ? agent.health() : null;
            case "/metrics" -> {
                send(ex, 200, "text/plain; version=0.0.4", metrics());
                yield Boolean.TRUE;
            }
            default -> null;
        };
        if (body == Boolean.TRUE) {
            return;
        }
        if (body == null) {
            send(ex, 404, "application/json", "{\"error\":\"not found\"}");
            return;
        }
        send(ex, 200, "application/json", json.writeValueAsString(body));
    }

    /**
     * One incident as a self-contained file for offline analysis: the incident with its alerts,
     * its graph, and the stored events of every process in the graph.
     */
    private JsonNode exportOf(HttpExchange ex, String id) throws SQLException {
        var incident = store.incident(id);
        if (incident == null) {
            return null;
        }
        var graph = store.graph(id);
        var events = json.createArrayNode();
        for (JsonNode n : graph.get("nodes")) {
            if (n.path("kind").asText().equals("process")) {
                events.addAll(store.eventsOf(n.path("id").asText(), 1000));
            }
        }
        var out = json.createObjectNode();
        out.put("vigil_export", 1);
        out.set("incident", incident);
        out.set("graph", graph);
        out.set("events", events);
        ex.getResponseHeaders().set("Content-Disposition", "attachment; filename=\"incident-" + id.replaceAll("[^A-Za-z0-9_-]", "_") + ".json\"");
        return out;
    }

    /**
     * Every loaded rule with its hits in the store, then rules that hit but are no longer loaded
     * (a previous rule set, or the agent's own health and tamper alerts).
     */
    private List<Map<String, Object>> rules() throws SQLException {
        Map<String, com.fasterxml.jackson.databind.node.ObjectNode> hits = store.ruleHits();
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> r : agent.rules()) {
            Map<String, Object> row = new LinkedHashMap<>(r);
            row.put("loaded", true);
            var h = hits.remove(String.valueOf(r.get("name")));
            row.put("hits", h == null ? 0 : h.path("hits").asLong());
            row.put("alerts", h == null ? 0 : h.path("alerts").asLong());
            if (h != null) {
                row.put("last_ts", h.path("last_ts").asLong());
            }
            out.add(row);
        }
        hits.forEach((name, h) -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", name);
            row.put("loaded", false);
            row.put("hits", h.path("hits").asLong());
            row.put("alerts", h.path("alerts").asLong());
            row.put("last_ts", h.path("last_ts").asLong());
            out.add(row);
        });
        return out;
    }

    private JsonNode alertGraph(String alertId) throws SQLException {
        JsonNode a = store.alert(alertId);
        if (a == null || a.path("incident_id").isNull() || a.path("incident_id").asText().isEmpty()) {
            return null;
        }
        return store.graph(a.path("incident_id").asText());
    }

    private String metrics() throws SQLException {
        StringBuilder sb = new StringBuilder();
        sb.append("# HELP vigil_store_rows Rows in the store by table.\n# TYPE vigil_store_rows gauge\n");
        store.counts().forEach((t, n) -> sb.append("vigil_store_rows{table=\"").append(t).append("\"} ").append(n).append('\n'));
        sb.append("# HELP vigil_alerts_stored Alerts in the store by rule.\n# TYPE vigil_alerts_stored gauge\n");
        store.alertsByRule().forEach((r, n) -> sb.append("vigil_alerts_stored{rule=\"").append(label(r)).append("\"} ").append(n).append('\n'));
        Map<String, Object> h = agent.health();
        h.forEach((k, v) -> {
            if (v instanceof Number n) {
                sb.append("# TYPE vigil_").append(k).append(" gauge\nvigil_").append(k).append(' ').append(n).append('\n');
            } else if (v instanceof Map<?, ?> m) {
                sb.append("# TYPE vigil_").append(k).append(" counter\n");
                m.forEach((mk, mv) -> {
                    if (mv instanceof Number n) {
                        sb.append("vigil_").append(k).append("{key=\"").append(label(String.valueOf(mk))).append("\"} ").append(n).append('\n');
                    }
                });
            }
        });
        Runtime rt = Runtime.getRuntime();
        sb.append("# TYPE vigil_jvm_heap_used_bytes gauge\nvigil_jvm_heap_used_bytes ").append(rt.totalMemory() - rt.freeMemory()).append('\n');
        return sb.toString();
    }

    /** A Prometheus label value: backslash, quote and newline escaped. */
    static String label(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null) {
            return out;
        }
        for (String kv : raw.split("&")) {
            String[] p = kv.split("=", 2);
            if (p.length == 2) {
                out.put(decode(p[0]), decode(p[1]));
            }
        }
        return out;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** The page's files, read once from the jar; only these names are served (no path is ever resolved). */
    private static final Map<String, byte[]> STATIC = loadStatic("index.html", "app.js", "app.css", "vendor/cytoscape.min.js");

    private static Map<String, byte[]> loadStatic(String... names) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        out.put("catalogue.js", catalogueScript());
        for (String n : names) {
            try (var in = Console.class.getResourceAsStream("static/" + n)) {
                if (in != null) {
                    out.put(n, in.readAllBytes());
                }
            } catch (IOException unreadable) {
                // served as not found
            }
        }
        return Map.copyOf(out);
    }

    /** What the page knows of each event type, from the catalogue: the field that is its path, whether dip/dport are a peer. */
    private static byte[] catalogueScript() {
        var events = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        for (EventKind k : Catalogue.kinds()) {
            var e = events.putObject(k.eventName());
            e.put("path", k.def().path());
            e.put("peer", k.def().peer());
        }
        return ("// generated from the event catalogue\nconst CATALOGUE = " + events + ";\n").getBytes(StandardCharsets.UTF_8);
    }

    private static String type(String name) {
        return name.endsWith(".html") ? "text/html" : name.endsWith(".js") ? "text/javascript" : name.endsWith(".css") ? "text/css"
                : "application/octet-stream";
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        send(ex, status, type, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] b) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type + (type.contains("charset") ? "" : "; charset=utf-8"));
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() throws SQLException {
        http.stop(0);
        store.close();
    }
}
