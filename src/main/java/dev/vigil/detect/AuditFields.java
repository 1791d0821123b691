package dev.vigil.detect;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Falco's k8saudit fields that read the audit event itself ({@code audit} of a k8s_audit event):
 * the request object's pod, container, volume, binding, role, service and configmap fields,
 * {@code ka.uri.param[KEY]}, and {@code jevt.*} / {@code json.*}. The audit event's top-level
 * fields ({@code ka.user.name}, {@code ka.verb}…) are catalogue fields, read as they are. Values
 * follow the plugin's: strings, a JSON value that is not a string as its JSON text, lists of those;
 * a field the request object lacks is absent.
 */
final class AuditFields {
    private AuditFields() {}

    /** The sources' own field prefixes: a rule of another source may not use them. */
    static boolean owns(String name) {
        return name.startsWith("ka.") || name.startsWith("jevt.") || name.startsWith("json.");
    }

    /** Fields computed here, with one line each, for {@code vigil fields}. */
    static final Map<String, String> DESCRIBED = new LinkedHashMap<>();

    private static final Map<String, Function<Map<?, ?>, Object>> FIXED = new LinkedHashMap<>();
    /** Fields that take an index ([0]) to pick one item of their list. */
    private static final Map<String, Indexed> INDEXED = new LinkedHashMap<>();

    private interface Indexed {
        Object apply(Map<?, ?> audit, int index);
    }

    private static void fixed(String name, String description, Function<Map<?, ?>, Object> f) {
        DESCRIBED.put(name, description);
        FIXED.put(name, f);
    }

    private static void indexed(String name, String description, Indexed f) {
        DESCRIBED.put(name, description + "; [N] the Nth only");
        INDEXED.put(name, f);
        FIXED.put(name, a -> f.apply(a, -1));
    }

    private static final List<String> CONTAINER_LISTS = List.of("containers", "initContainers", "ephemeralContainers");

    static {
        fixed("jevt.obj", "the whole audit event as JSON text", AuditFields::json);
        fixed("ka.resp.name", "the name of the object the response returned", a -> text(at(a, "responseObject", "metadata", "name")));
        fixed("ka.target.pod.name", "the pod acted on (the target's name when the resource is pods)",
                a -> "pods".equals(at(a, "objectRef", "resource")) ? text(at(a, "objectRef", "name")) : null);
        fixed("ka.req.binding.role", "a (cluster) role binding's role", a -> text(at(a, "requestObject", "roleRef", "name")));
        fixed("ka.req.binding.subjects", "a (cluster) role binding's subjects, each as JSON", a -> texts(at(a, "requestObject", "subjects")));
        fixed("ka.req.binding.subjects.user_names", "the user names among a binding's subjects", a -> subjects(a, "User", false));
        fixed("ka.req.binding.subjects.group_names", "the group names among a binding's subjects", a -> subjects(a, "Group", false));
        fixed("ka.req.binding.subjects.serviceaccount_names", "the service accounts among a binding's subjects",
                a -> subjects(a, "ServiceAccount", false));
        fixed("ka.req.binding.subjects.serviceaccount_ns_names", "the service accounts among a binding's subjects, as namespace:name",
                a -> subjects(a, "ServiceAccount", true));
        fixed("ka.req.configmap.name", "a configmap's name", a -> text(at(a, "objectRef", "name")));
        fixed("ka.req.configmap.obj", "a configmap's data, as JSON", a -> text(at(a, "requestObject", "data")));
        fixed("ka.req.pod.host_ipc", "a pod's hostIPC", a -> text(at(a, "requestObject", "spec", "hostIPC")));
        fixed("ka.req.pod.host_network", "a pod's hostNetwork", a -> text(at(a, "requestObject", "spec", "hostNetwork")));
        fixed("ka.req.container.host_network", "a pod's hostNetwork (the deprecated name)", a -> text(at(a, "requestObject", "spec", "hostNetwork")));
        fixed("ka.req.pod.host_pid", "a pod's hostPID", a -> text(at(a, "requestObject", "spec", "hostPID")));
        fixed("ka.req.pod.run_as_user", "a pod's runAsUser", a -> text(at(a, "requestObject", "spec", "securityContext", "runAsUser")));
        fixed("ka.req.pod.run_as_group", "a pod's runAsGroup", a -> text(at(a, "requestObject", "spec", "securityContext", "runAsGroup")));
        fixed("ka.req.pod.fs_group", "a pod's fsGroup", a -> text(at(a, "requestObject", "spec", "securityContext", "fsGroup")));
        fixed("ka.req.pod.supplemental_groups", "a pod's supplementalGroups",
                a -> texts(at(a, "requestObject", "spec", "securityContext", "supplementalGroups")));
        fixed("ka.req.container.image", "the first container's image (the deprecated name)", a -> first(containerValues(a, "containers", -1, "image")));
        fixed("ka.req.container.image.repository", "the first container's image without tag and digest",
                a -> first(repositories(containerValues(a, "containers", -1, "image"))));
        fixed("ka.req.container.privileged", "true when any container is privileged (the deprecated name)",
                a -> {
                    List<String> p = containerValues(a, "containers", -1, "securityContext", "privileged");
                    return p == null ? null : String.valueOf(p.contains("true"));
                });
        for (String list : CONTAINER_LISTS) {
            String prefix = "ka.req.pod." + list;
            String which = switch (list) {
                case "containers" -> "a pod's containers'";
                case "initContainers" -> "a pod's init containers'";
                default -> "a pod's ephemeral containers'";
            };
            indexed(prefix + ".image", which + " images", (a, i) -> containerValues(a, list, i, "image"));
            indexed(prefix + ".image.repository", which + " images without tag and digest",
                    (a, i) -> repositories(containerValues(a, list, i, "image")));
            indexed(prefix + ".name", which + " names", (a, i) -> containerValues(a, list, i, "name"));
            indexed(prefix + ".command", which + " commands", (a, i) -> containerLists(a, list, i, "command"));
            indexed(prefix + ".args", which + " arguments", (a, i) -> containerLists(a, list, i, "args"));
            indexed(prefix + ".privileged", which + " privileged flags (those set)",
                    (a, i) -> containerValues(a, list, i, "securityContext", "privileged"));
            indexed(prefix + ".allow_privilege_escalation", which + " allowPrivilegeEscalation (those set)",
                    (a, i) -> containerValues(a, list, i, "securityContext", "allowPrivilegeEscalation"));
            indexed(prefix + ".read_only_fs", which + " readOnlyRootFilesystem (those set)",
                    (a, i) -> containerValues(a, list, i, "securityContext", "readOnlyRootFilesystem"));
            indexed(prefix + ".run_as_user", which + " runAsUser (those set)", (a, i) -> containerValues(a, list, i, "securityContext", "runAsUser"));
            indexed(prefix + ".run_as_group", which + " runAsGroup (those set)", (a, i) -> containerValues(a, list, i, "securityContext", "runAsGroup"));
            indexed(prefix + ".eff_run_as_user", which + " uid they start as (the container's runAsUser, else the pod's, else 0)",
                    (a, i) -> effective(a, list, i, "runAsUser"));
            indexed(prefix + ".eff_run_as_group", which + " gid they start as (the container's runAsGroup, else the pod's, else 0)",
                    (a, i) -> effective(a, list, i, "runAsGroup"));
            indexed(prefix + ".proc_mount", which + " procMount (those set)", (a, i) -> containerValues(a, list, i, "securityContext", "procMount"));
            indexed(prefix + ".add_capabilities", which + " capabilities added", (a, i) -> containerLists(a, list, i, "securityContext", "capabilities", "add"));
            indexed(prefix + ".host_port", which + " host ports (the container port where no host port is given)", (a, i) -> hostPorts(a, list, i));
        }
        indexed("ka.req.pod.volumes.hostpath", "a pod's hostPath volumes' paths", (a, i) -> volumes(a, i, "hostPath", "path"));
        indexed("ka.req.pod.volumes.flexvolume_driver", "a pod's flexVolume drivers", (a, i) -> volumes(a, i, "flexVolume", "driver"));
        indexed("ka.req.pod.volumes.volume_type", "a pod's volumes' types (hostPath, secret, configMap…)", AuditFields::volumeTypes);
        fixed("ka.req.role.rules", "a (cluster) role's rules, each as JSON", a -> texts(at(a, "requestObject", "rules")));
        for (String part : List.of("apiGroups", "nonResourceURLs", "verbs", "resources")) {
            indexed("ka.req.role.rules." + part, "a (cluster) role's rules' " + part, (a, i) -> ruleParts(a, i, part));
        }
        // Vigil's own: the pod a request would run, wherever its spec sits (Falco's ka.req.pod.* read a pod's only)
        fixed("ka.req.podspec.kind", "Vigil's: where the request's pod spec sits (pod, template for workloads, jobTemplate for cronjobs)",
                a -> podSpecKind(a));
        fixed("ka.req.podspec.privileged", "Vigil's: true when any container of the request's pod spec (a pod's, or a workload's template) is privileged",
                a -> podSpec(a) instanceof Map<?, ?> spec ? String.valueOf(podContainers(spec).stream()
                        .anyMatch(c -> Boolean.TRUE.equals(at(c, "securityContext", "privileged")))) : null);
        fixed("ka.req.podspec.host_namespaces", "Vigil's: the host namespaces the request's pod spec shares (pid, network, ipc)",
                a -> podSpec(a) instanceof Map<?, ?> spec ? hostNamespaces(spec) : null);
        fixed("ka.req.podspec.hostpaths", "Vigil's: the hostPath volumes' paths of the request's pod spec",
                a -> podSpec(a) instanceof Map<?, ?> spec && spec.get("volumes") instanceof List<?> vs ? vs.stream()
                        .map(v -> v instanceof Map<?, ?> m ? at(m, "hostPath", "path") : null).filter(java.util.Objects::nonNull)
                        .map(AuditFields::textOf).toList() : null);
        fixed("ka.req.podspec.add_capabilities", "Vigil's: the capabilities the containers of the request's pod spec add",
                a -> podSpec(a) instanceof Map<?, ?> spec ? podContainers(spec).stream()
                        .flatMap(c -> at(c, "securityContext", "capabilities", "add") instanceof List<?> caps ? caps.stream() : java.util.stream.Stream.empty())
                        .map(AuditFields::textOf).toList() : null);
        fixed("ka.req.podspec.images", "Vigil's: the images of every container of the request's pod spec",
                a -> podSpec(a) instanceof Map<?, ?> spec ? podContainers(spec).stream().map(c -> c.get("image"))
                        .filter(java.util.Objects::nonNull).map(AuditFields::textOf).toList() : null);
        fixed("ka.req.service.type", "a service's type", a -> text(at(a, "requestObject", "spec", "type")));
        indexed("ka.req.service.ports", "a service's ports, each as JSON", (a, i) -> pick(texts(at(a, "requestObject", "spec", "ports")), i));
        DESCRIBED.put("ka.uri.param[KEY]", "the value of the URI's query parameter KEY (the first, when given twice)");
        DESCRIBED.put("ka.req.volume.hostpath[PATH]", "true when a hostPath volume mounts PATH (PATH* : a path starting so), else false");
        DESCRIBED.put("ka.req.binding.subject.has_name[NAME]", "deprecated by Falco: always N/A");
        DESCRIBED.put("jevt.value[/POINTER]", "the value at a JSON pointer into the audit event (RFC 6901), JSON text when not a string");
        DESCRIBED.put("jevt.rawtime", "the audit event's time, ns since the epoch");
        DESCRIBED.put("jevt.time", "the audit event's time as text");
        DESCRIBED.put("jevt.time.iso8601", "the audit event's time, ISO 8601");
        DESCRIBED.put("json.value[/POINTER]", "the same as jevt.value");
    }

    private static final Pattern ARGUMENT = Pattern.compile("([a-zA-Z0-9_.]+)\\[(.{1,512})]");

    /** The accessor for a field of this source, or null when there is no such field. */
    static Function<Map<String, Object>, Object> build(String name) {
        switch (name) {
            case "jevt.rawtime", "json.rawtime" -> {
                return e -> e.get("ts");
            }
            case "jevt.time", "jevt.time.iso8601" -> {
                return e -> e.get("time");
            }
            case "json.obj" -> {
                return e -> json(audit(e));
            }
            default -> { }
        }
        Function<Map<?, ?>, Object> f = FIXED.get(name);
        if (f != null) {
            return e -> {
                Map<?, ?> a = audit(e);
                return a == null ? null : f.apply(a);
            };
        }
        Matcher m = ARGUMENT.matcher(name);
        if (!m.matches()) {
            return null;
        }
        String field = m.group(1), arg = m.group(2);
        Indexed byIndex = INDEXED.get(field);
        if (byIndex != null) {
            int index;
            try {
                index = Integer.parseInt(arg);
            } catch (NumberFormatException notIndex) {
                return null;
            }
            return e -> {
                Map<?, ?> a = audit(e);
                return a == null ? null : byIndex.apply(a, index);
            };
        }
        return switch (field) {
            case "jevt.value", "json.value" -> {
                List<String> pointer = pointer(arg);
                yield pointer == null ? null : e -> {
                    Map<?, ?> a = audit(e);
                    return a == null ? null : textOf(walk(a, pointer));
                };
            }
            case "ka.uri.param" -> e -> e.get("uri") instanceof String uri ? param(uri, arg) : null;
            case "ka.req.volume.hostpath" -> e -> {
                Map<?, ?> a = audit(e);
                List<String> paths = a == null ? null : volumes(a, -1, "hostPath", "path");
                if (paths == null) {
                    return null;
                }
                boolean prefix = arg.endsWith("*");
                String want = prefix ? arg.substring(0, arg.length() - 1) : arg;
                return String.valueOf(paths.stream().anyMatch(p -> prefix ? p.startsWith(want) : p.equals(want)));
            };
            case "ka.req.binding.subject.has_name" -> e -> "N/A";
            default -> null;
        };
    }

    private static Map<?, ?> audit(Map<String, Object> e) {
        return e.get("audit") instanceof Map<?, ?> a ? a : null;
    }

    /** An RFC 6901 pointer's tokens ("/a/b~1c" → a, b/c); null when it is not one. */
    static List<String> pointer(String p) {
        if (!p.isEmpty() && !p.startsWith("/")) {
            return null;
        }
        List<String> out = new ArrayList<>();
        if (p.isEmpty()) {
            return out;
        }
        for (String t : p.substring(1).split("/", -1)) {
            out.add(t.replace("~1", "/").replace("~0", "~"));
        }
        return out;
    }

    private static Object walk(Object node, List<String> pointer) {
        for (String t : pointer) {
            if (node instanceof Map<?, ?> m) {
                if (!m.containsKey(t)) {
                    return null;
                }
                node = m.get(t);
            } else if (node instanceof List<?> l && t.matches("0|[1-9][0-9]{0,8}") && Integer.parseInt(t) < l.size()) {
                node = l.get(Integer.parseInt(t));
            } else {
                return null;
            }
        }
        return node == null ? "null" : node;
    }

    private static Object at(Map<?, ?> a, String... keys) {
        Object node = a;
        for (String k : keys) {
            if (!(node instanceof Map<?, ?> m)) {
                return null;
            }
            node = m.get(k);
        }
        return node;
    }

    /** A JSON value as the plugin renders it: a string as itself, anything else as its JSON text; null stays absent. */
    private static String text(Object v) {
        return v == null ? null : textOf(v);
    }

    private static String textOf(Object v) {
        return v instanceof String s ? s : json(v);
    }

    private static List<String> texts(Object v) {
        if (!(v instanceof List<?> l)) {
            return null;
        }
        List<String> out = new ArrayList<>(l.size());
        for (Object o : l) {
            if (o != null) {
                out.add(textOf(o));
            }
        }
        return out;
    }

    static String json(Object v) {
        if (v == null) {
            return null;
        }
        try {
            return JSON.writeValueAsString(v);
        } catch (com.fasterxml.jackson.core.JsonProcessingException unwritable) {
            return String.valueOf(v);
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private static List<?> containers(Map<?, ?> a, String list, int index) {
        if (!(at(a, "requestObject", "spec", list) instanceof List<?> l)) {
            return null;
        }
        return index < l.size() ? items(l, index) : null;
    }

    /**
     * The pod spec a request object would run: a pod's {@code spec}, a workload's
     * {@code spec.template.spec} (deployments, daemonsets, statefulsets, replicasets, jobs), a
     * cronjob's {@code spec.jobTemplate.spec.template.spec}; null for anything else.
     */
    private static Map<?, ?> podSpec(Map<?, ?> a) {
        String kind = podSpecKind(a);
        if (kind == null) {
            return null;
        }
        return (Map<?, ?>) switch (kind) {
            case "pod" -> at(a, "requestObject", "spec");
            case "template" -> at(a, "requestObject", "spec", "template", "spec");
            default -> at(a, "requestObject", "spec", "jobTemplate", "spec", "template", "spec");
        };
    }

    private static String podSpecKind(Map<?, ?> a) {
        if (at(a, "requestObject", "spec", "containers") instanceof List<?>) {
            return "pod";
        }
        if (at(a, "requestObject", "spec", "template", "spec") instanceof Map<?, ?>) {
            return "template";
        }
        return at(a, "requestObject", "spec", "jobTemplate", "spec", "template", "spec") instanceof Map<?, ?> ? "jobTemplate" : null;
    }

    /** Every container of a pod spec: its containers, init containers and ephemeral containers. */
    private static List<Map<?, ?>> podContainers(Map<?, ?> spec) {
        List<Map<?, ?>> out = new ArrayList<>();
        for (String list : CONTAINER_LISTS) {
            if (spec.get(list) instanceof List<?> cs) {
                for (Object c : cs) {
                    if (c instanceof Map<?, ?> m) {
                        out.add(m);
                    }
                }
            }
        }
        return out;
    }

    private static List<String> hostNamespaces(Map<?, ?> spec) {
        List<String> out = new ArrayList<>();
        for (String[] ns : new String[][] {{"hostPID", "pid"}, {"hostNetwork", "network"}, {"hostIPC", "ipc"}}) {
            if (Boolean.TRUE.equals(spec.get(ns[0]))) {
                out.add(ns[1]);
            }
        }
        return out;
    }

    /** All of `l` (index < 0), or its item at `index` alone (none past its end). */
    private static List<?> items(List<?> l, int index) {
        if (index < 0) {
            return l;
        }
        return index < l.size() ? java.util.Collections.singletonList(l.get(index)) : List.of();
    }

    /** One value of each container (those that have it). */
    private static List<String> containerValues(Map<?, ?> a, String list, int index, String... keys) {
        List<?> cs = containers(a, list, index);
        if (cs == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (Object c : cs) {
            if (c instanceof Map<?, ?> m && at(m, keys) instanceof Object v) {
                out.add(textOf(v));
            }
        }
        return out;
    }

    /** A list of each container, joined into one list (commands, args, capabilities). */
    private static List<String> containerLists(Map<?, ?> a, String list, int index, String... keys) {
        List<?> cs = containers(a, list, index);
        if (cs == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (Object c : cs) {
            if (c instanceof Map<?, ?> m && texts(at(m, keys)) instanceof List<String> l) {
                out.addAll(l);
            }
        }
        return out;
    }

    private static List<String> effective(Map<?, ?> a, String list, int index, String key) {
        List<?> cs = containers(a, list, index);
        if (cs == null) {
            return null;
        }
        Object pod = at(a, "requestObject", "spec", "securityContext", key);
        String podValue = pod == null ? "0" : textOf(pod);
        List<String> out = new ArrayList<>();
        for (Object c : cs) {
            Object own = c instanceof Map<?, ?> m ? at(m, "securityContext", key) : null;
            out.add(own == null ? podValue : textOf(own));
        }
        return out;
    }

    private static List<String> hostPorts(Map<?, ?> a, String list, int index) {
        List<?> cs = containers(a, list, index);
        if (cs == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (Object c : cs) {
            if (c instanceof Map<?, ?> m && m.get("ports") instanceof List<?> ports) {
                for (Object p : ports) {
                    if (p instanceof Map<?, ?> port) {
                        Object v = port.get("hostPort") != null ? port.get("hostPort") : port.get("containerPort");
                        if (v != null) {
                            out.add(textOf(v));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** "registry/name:tag@digest" → "registry/name", as the plugin cuts it: at the first ':' and then '@'. */
    private static List<String> repositories(List<String> images) {
        if (images == null) {
            return null;
        }
        List<String> out = new ArrayList<>(images.size());
        for (String i : images) {
            String s = i;
            int colon = s.indexOf(':');
            if (colon >= 0) {
                s = s.substring(0, colon);
            }
            int at = s.indexOf('@');
            out.add(at >= 0 ? s.substring(0, at) : s);
        }
        return out;
    }

    private static List<String> volumes(Map<?, ?> a, int index, String... keys) {
        if (!(at(a, "requestObject", "spec", "volumes") instanceof List<?> vs)) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (Object v : items(vs, index)) {
            if (v instanceof Map<?, ?> m && at(m, keys) instanceof Object value) {
                out.add(textOf(value));
            }
        }
        return out;
    }

    private static List<String> volumeTypes(Map<?, ?> a, int index) {
        if (!(at(a, "requestObject", "spec", "volumes") instanceof List<?> vs)) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (Object v : items(vs, index)) {
            if (v instanceof Map<?, ?> m) {
                for (Object k : m.keySet()) {
                    if (!"name".equals(k)) {
                        out.add(String.valueOf(k));
                    }
                }
            }
        }
        return out;
    }

    private static List<String> ruleParts(Map<?, ?> a, int index, String part) {
        if (!(at(a, "requestObject", "rules") instanceof List<?> rules)) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (Object r : items(rules, index)) {
            if (r instanceof Map<?, ?> m && texts(m.get(part)) instanceof List<String> l) {
                out.addAll(l);
            }
        }
        return out;
    }

    private static List<String> subjects(Map<?, ?> a, String kind, boolean withNamespace) {
        if (!(at(a, "requestObject", "subjects") instanceof List<?> subjects)) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (Object s : subjects) {
            if (s instanceof Map<?, ?> m && kind.equals(m.get("kind")) && m.get("name") instanceof String name) {
                out.add(withNamespace ? (m.get("namespace") instanceof String ns ? ns : "") + ":" + name : name);
            }
        }
        return out;
    }

    private static List<String> pick(List<String> l, int index) {
        if (l == null || index < 0) {
            return l;
        }
        return index < l.size() ? List.of(l.get(index)) : null;
    }

    private static String first(List<String> l) {
        return l == null || l.isEmpty() ? null : l.getFirst();
    }

    /** The first value of query parameter `key` in `uri`, decoded; null when absent. */
    static String param(String uri, String key) {
        String query;
        try {
            query = URI.create(uri.replace(" ", "%20")).getRawQuery();
        } catch (IllegalArgumentException notUri) {
            int q = uri.indexOf('?');
            query = q < 0 ? null : uri.substring(q + 1);
        }
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq));
            if (k.equals(key)) {
                return eq < 0 ? "" : decode(pair.substring(eq + 1));
            }
        }
        return null;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return s;
        }
    }
}
