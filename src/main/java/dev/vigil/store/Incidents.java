package dev.vigil.store;

import dev.vigil.detect.Alert;
import dev.vigil.detect.Priority;
import dev.vigil.event.K8sAuditType;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Alerts that belong to one attack become one incident. An alert's story is its process and its
 * ancestors up to the entry point the attack came through (sshd, a server, cron, init, a container
 * runtime…): two alerts whose stories share a process — the same login session, the same reverse
 * shell and what ran in it, a download and its execution — are one incident, within the window
 * after the incident's last alert. A folded repeat counts in the incident of the alert it folded into.
 */
public final class Incidents {
    /** Where an attack path starts: a story stops below these. */
    static final Set<String> ENTRY_POINTS = Set.of("sshd", "sshd-session", "systemd", "init", "cron", "crond", "atd",
            "containerd-shim", "containerd-shim-runc-v2", "runc", "conmon", "dockerd", "containerd", "login", "agetty",
            "kthreadd", "nginx", "apache2", "httpd", "lighttpd", "php-fpm", "uwsgi", "gunicorn", "tomcat", "node",
            "mysqld", "postgres", "redis-server", "inetd", "xinetd", "tmux: server", "screen", "process_api");

    public static final long WINDOW_NS = 30L * 60 * 1_000_000_000L;

    /** One incident as the store keeps it. */
    public static final class Incident {
        final String id;
        String title;
        Priority severity;
        final long firstTs;
        long lastTs;
        final Set<String> hosts = new TreeSet<>();
        final Set<String> techniques = new TreeSet<>();
        long alertCount;
        String root;
        final Set<String> processes = new LinkedHashSet<>();
        /** The pods (namespace/name) a Kubernetes exec or attach of this incident went into, or its processes ran in. */
        final Set<String> pods = new TreeSet<>();

        Incident(String id, Alert a) {
            this.id = id;
            this.title = a.rule();
            this.severity = a.priority();
            this.firstTs = a.timeNs();
            this.lastTs = a.timeNs();
        }

        public String id() {
            return id;
        }

        public String title() {
            return title;
        }

        public Priority severity() {
            return severity;
        }

        public long alertCount() {
            return alertCount;
        }

        public Set<String> processes() {
            return processes;
        }

        public Set<String> techniques() {
            return techniques;
        }
    }

    private final Map<String, Incident> open = new LinkedHashMap<>();
    private final Map<String, Incident> byAlert = new LinkedHashMap<>();

    /** The incident this alert joins (made when it starts a new story); null for health alerts. */
    public Incident assign(Alert a) {
        expire(a.timeNs());
        if (a.kind().equals("health") || a.kind().equals("tamper") && a.events().isEmpty()) {
            return null;
        }
        Incident already = byAlert.get(a.id());
        if (already != null) { // the same alert again (a redelivery, or another server's copy): counted once
            return already;
        }
        if (a.kind().equals("folded")) {
            Incident into = byAlert.get(String.valueOf(a.extra().get("folded_into")));
            if (into != null && a.extra().get("count") instanceof Number n) {
                into.alertCount += n.longValue();
                into.lastTs = Math.max(into.lastTs, a.timeNs());
            }
            return into;
        }
        List<String> story = story(a);
        Set<String> pods = pods(a);
        Incident joined = null;
        for (Incident i : open.values()) {
            if (i.hosts.contains(a.host()) && story.stream().anyMatch(i.processes::contains) || pods.stream().anyMatch(i.pods::contains)) {
                joined = i;
                break;
            }
        }
        if (joined == null) {
            joined = new Incident("inc-" + a.id(), a);
            joined.root = story.isEmpty() ? null : story.getLast();
            open.put(joined.id, joined);
        }
        joined.alertCount++;
        joined.lastTs = Math.max(joined.lastTs, a.timeNs());
        joined.hosts.add(a.host());
        joined.processes.addAll(story);
        joined.pods.addAll(pods);
        for (String t : a.tags()) {
            if (t.matches("T\\d{4}(\\.\\d{3})?")) {
                joined.techniques.add(t);
            }
        }
        if (a.priority().ordinal() < joined.severity.ordinal()) {
            joined.severity = a.priority();
            joined.title = a.rule();
        }
        byAlert.put(a.id(), joined);
        return joined;
    }

    /**
     * The alert's process identities (host:start:pid), nearest first, from each event's ancestry,
     * stopping below the first entry point.
     */
    static List<String> story(Alert a) {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> e : a.events()) {
            String host = String.valueOf(e.get("nodename"));
            Object ancestors = e.get("ancestors");
            if (ancestors instanceof List<?> nodes && !nodes.isEmpty()) {
                for (Object o : nodes) {
                    if (!(o instanceof Map<?, ?> n)) {
                        continue;
                    }
                    if (ENTRY_POINTS.contains(String.valueOf(n.get("comm"))) || n.get("pid") instanceof Number p && p.longValue() <= 1) {
                        break;
                    }
                    String id = host + ":" + n.get("start") + ":" + n.get("pid");
                    if (!out.contains(id)) {
                        out.add(id);
                    }
                }
            } else if (e.get("exec_id") instanceof String id && !out.contains(id)) {
                out.add(id);
                if (e.get("parent_exec_id") instanceof String parent && !parent.isEmpty() && !out.contains(parent)
                        && !ENTRY_POINTS.contains(String.valueOf(e.get("parent_comm")))) {
                    out.add(parent);
                }
            }
        }
        return out;
    }

    /**
     * The cluster joined to the host: the pods an alert's Kubernetes exec or attach went into
     * (`pods/exec`, `pods/attach`), and the pods its processes ran in (their container's pod
     * labels). An exec and what ran in that pod afterwards share one, whichever alert comes first:
     * the API server batches its audit events, so the exec's may arrive after the shell's.
     */
    static Set<String> pods(Alert a) {
        Set<String> out = new TreeSet<>();
        for (Map<String, Object> e : a.events()) {
            if (K8sAuditType.K8S_AUDIT.eventName().equals(e.get("event"))) {
                if (K8sAuditType.intoPod(e.get("resource"), e.get("subresource"))
                        && e.get("target_namespace") instanceof String ns && e.get("target_name") instanceof String pod) {
                    out.add(ns + "/" + pod);
                }
            } else if (e.get("k8s_pod_name") instanceof String pod && !pod.isEmpty()) {
                out.add(e.get("k8s_ns_name") + "/" + pod);
            }
        }
        return out;
    }

    private void expire(long now) {
        for (Iterator<Incident> it = open.values().iterator(); it.hasNext(); ) {
            Incident i = it.next();
            if (now - i.lastTs > WINDOW_NS) {
                it.remove();
                byAlert.values().removeIf(x -> x == i);
            }
        }
    }
}
