package dev.vigil.event;

/**
 * The event types of the Kubernetes audit source: one, an audit event as the API server writes it
 * (Elkeid's data_type 9003), whatever its verb and resource. Its fields are the ones rules and
 * searches read most; the rest of the audit event travels whole in {@code audit}, where the
 * {@code ka.req.*} and {@code jevt.*} fields find it.
 */
public enum K8sAuditType implements EventKind {
    K8S_AUDIT(9003, "k8s_audit", EventDef.source("k8s_audit")
            .is("a Kubernetes API request as the API server's audit log records it (one stage of it)")
            .fields("audit_id", "stage", "verb", "uri", "k8s_user", "k8s_groups", "impersonated_user", "resource", "subresource",
                    "target_namespace", "target_name", "api_group", "api_version", "response_code", "response_reason", "decision",
                    "reason", "source_ips", "user_agent", "cluster", "audit"));

    /** Whether a request went into a pod's containers: `kubectl exec` or `kubectl attach` (the pods/exec and pods/attach subresources). */
    public static boolean intoPod(Object resource, Object subresource) {
        return "pods".equals(resource) && ("exec".equals(subresource) || "attach".equals(subresource));
    }

    private final int number;
    private final String name;
    private final EventDef def;

    K8sAuditType(int number, String name, EventDef.Builder def) {
        this.number = number;
        this.name = name;
        this.def = def.build();
    }

    @Override
    public int number() {
        return number;
    }

    @Override
    public String eventName() {
        return name;
    }

    @Override
    public EventDef def() {
        return def;
    }
}
