package dev.vigil.k8saudit;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Kubernetes audit events as an API server writes them (audit.k8s.io/v1, the fields of the
 * Kubernetes API reference's audit Event), written by the team for tests: a request by "alice"
 * that the authorizer allowed and that completed, changed step by step.
 */
public final class AuditFixture {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, Object> m = new LinkedHashMap<>();

    private AuditFixture() {}

    /** `verb` on `resource` `name` in `namespace` (null: a cluster-wide resource), completed with 200 (201 for create). */
    public static AuditFixture request(String verb, String resource, String namespace, String name) {
        AuditFixture f = new AuditFixture();
        String group = switch (resource) {
            case "deployments" -> "apps";
            case "clusterroles", "clusterrolebindings", "roles", "rolebindings" -> "rbac.authorization.k8s.io";
            case "ingresses" -> "networking.k8s.io";
            default -> "";
        };
        String base = group.isEmpty() ? "/api/v1" : "/apis/" + group + "/v1";
        String uri = base + (namespace == null ? "" : "/namespaces/" + namespace) + "/" + resource
                + (name == null || verb.equals("create") ? "" : "/" + name);
        f.m.put("kind", "Event");
        f.m.put("apiVersion", "audit.k8s.io/v1");
        f.m.put("level", "RequestResponse");
        f.m.put("auditID", UUID.randomUUID().toString());
        f.m.put("stage", "ResponseComplete");
        f.m.put("requestURI", uri);
        f.m.put("verb", verb);
        f.m.put("user", new LinkedHashMap<>(Map.of("username", "alice", "groups", List.of("system:authenticated"))));
        f.m.put("sourceIPs", List.of("198.51.100.7"));
        f.m.put("userAgent", "kubectl/v1.29.2 (linux/amd64) kubernetes/4b8e819");
        Map<String, Object> ref = new LinkedHashMap<>();
        ref.put("resource", resource);
        if (namespace != null) {
            ref.put("namespace", namespace);
        }
        if (name != null) {
            ref.put("name", name);
        }
        ref.put("apiGroup", group);
        ref.put("apiVersion", "v1");
        f.m.put("objectRef", ref);
        f.m.put("responseStatus", new LinkedHashMap<>(Map.of("metadata", Map.of(), "code", verb.equals("create") ? 201 : 200)));
        f.m.put("requestReceivedTimestamp", "2026-12-05T10:15:30.123456Z");
        f.m.put("stageTimestamp", "2026-12-05T10:15:30.134567Z");
        f.m.put("annotations", new LinkedHashMap<>(Map.of("authorization.k8s.io/decision", "allow",
                "authorization.k8s.io/reason", "RBAC: allowed by ClusterRoleBinding \"alice-edit\" of ClusterRole \"edit\" to User \"alice\"")));
        if (verb.equals("create") && name != null) {
            f.m.put("responseObject", Map.of("metadata", Map.of("name", name)));
        }
        return f;
    }

    public AuditFixture user(String name) {
        user().put("username", name);
        return this;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> user() {
        return (Map<String, Object>) m.get("user");
    }

    public AuditFixture stage(String stage) {
        m.put("stage", stage);
        return this;
    }

    @SuppressWarnings("unchecked")
    public AuditFixture code(int code) {
        ((Map<String, Object>) m.get("responseStatus")).put("code", code);
        if (code >= 400) {
            ((Map<String, Object>) m.get("responseStatus")).put("reason", code == 403 ? "Forbidden" : "Invalid");
            m.remove("responseObject");
        }
        return this;
    }

    @SuppressWarnings("unchecked")
    public AuditFixture subresource(String sub) {
        ((Map<String, Object>) m.get("objectRef")).put("subresource", sub);
        m.put("requestURI", m.get("requestURI") + "/" + sub);
        return this;
    }

    public AuditFixture uri(String uri) {
        m.put("requestURI", uri);
        return this;
    }

    @SuppressWarnings("unchecked")
    public AuditFixture decision(String decision) {
        ((Map<String, Object>) m.get("annotations")).put("authorization.k8s.io/decision", decision);
        return this;
    }

    public AuditFixture requestObject(Object o) {
        m.put("requestObject", o);
        return this;
    }

    public AuditFixture set(String key, Object value) {
        if (value == null) {
            m.remove(key);
        } else {
            m.put(key, value);
        }
        return this;
    }

    /** A pod whose one container runs `image`, with `spec` entries added to the pod's spec. */
    public static Map<String, Object> pod(String image, Map<String, Object> spec) {
        Map<String, Object> container = new LinkedHashMap<>();
        container.put("name", "app");
        container.put("image", image);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("containers", new ArrayList<>(List.of(container)));
        s.putAll(spec);
        return new LinkedHashMap<>(Map.of("apiVersion", "v1", "kind", "Pod", "metadata", Map.of("name", "web-1"), "spec", s));
    }

    /** The pod's first container with `securityContext`. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> podWithContainerContext(String image, Map<String, Object> securityContext) {
        Map<String, Object> p = pod(image, Map.of());
        ((List<Map<String, Object>>) ((Map<String, Object>) p.get("spec")).get("containers")).getFirst().put("securityContext", securityContext);
        return p;
    }

    public Map<String, Object> raw() {
        return m;
    }

    /** The event rules read, as the agent makes it from this audit event. */
    public Map<String, Object> event() {
        return AuditEvents.event(m, "node-a", "prod");
    }

    public String json() {
        try {
            return JSON.writeValueAsString(m);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Events as the API server's webhook batches them. */
    public static String eventList(List<AuditFixture> events) {
        List<Map<String, Object>> items = events.stream().map(AuditFixture::raw).toList();
        try {
            return JSON.writeValueAsString(Map.of("kind", "EventList", "apiVersion", "audit.k8s.io/v1", "metadata", Map.of(), "items", items));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
