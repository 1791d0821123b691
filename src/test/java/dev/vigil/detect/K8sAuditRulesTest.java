package dev.vigil.detect;

import dev.vigil.k8saudit.AuditFixture;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static dev.vigil.k8saudit.AuditFixture.pod;
import static dev.vigil.k8saudit.AuditFixture.podWithContainerContext;
import static dev.vigil.k8saudit.AuditFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Falco's k8saudit rule file, unchanged, over audit events the team wrote from the Kubernetes API
 * reference: every one of its 48 rules fires on its event and stays silent on a benign variant.
 * The rules that do nothing until a user says what is allowed run with the team's own override
 * file, as a user would write one.
 */
class K8sAuditRulesTest {
    private static Path overrides() throws Exception {
        return Path.of(K8sAuditRulesTest.class.getResource("/dev/vigil/k8saudit/k8s_audit_overrides.yaml").toURI());
    }

    /** One rule: an event it must alert on, and one it must not. */
    record Case(String rule, AuditFixture fires, AuditFixture silent) {}

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("Disallowed K8s User", request("get", "pods", "default", "web-1").user("mallory"),
                request("get", "pods", "default", "web-1").user("kubernetes-admin")));
        c.add(new Case("Create Disallowed Pod", request("create", "pods", "default", "web-1").requestObject(pod("docker.io/evil/miner:1.0", Map.of())),
                request("create", "pods", "default", "web-1").requestObject(pod("registry.example.com/web:2.3", Map.of()))));
        c.add(new Case("Create Privileged Pod",
                request("create", "pods", "default", "web-1").requestObject(podWithContainerContext("nginx:1.25", Map.of("privileged", true))),
                request("create", "pods", "default", "web-1").requestObject(podWithContainerContext("nginx:1.25", Map.of("privileged", false)))));
        c.add(new Case("Create Sensitive Mount Pod",
                request("create", "pods", "default", "web-1").requestObject(pod("nginx:1.25",
                        Map.of("volumes", List.of(Map.of("name", "etc", "hostPath", Map.of("path", "/etc")))))),
                request("create", "pods", "default", "web-1").requestObject(pod("nginx:1.25",
                        Map.of("volumes", List.of(Map.of("name", "data", "hostPath", Map.of("path", "/srv/data"))))))));
        c.add(new Case("Create HostNetwork Pod",
                request("create", "pods", "default", "web-1").requestObject(pod("nginx:1.25", Map.of("hostNetwork", true))),
                request("create", "pods", "default", "web-1").requestObject(pod("nginx:1.25", Map.of("hostNetwork", false)))));
        c.add(new Case("Create HostPid Pod",
                request("create", "pods", "default", "web-1").requestObject(pod("nginx:1.25", Map.of("hostPID", true))),
                request("create", "pods", "default", "web-1").requestObject(pod("nginx:1.25", Map.of()))));
        c.add(new Case("Create HostIPC Pod",
                request("create", "pods", "default", "web-1").requestObject(pod("nginx:1.25", Map.of("hostIPC", true))),
                request("create", "pods", "default", "web-1").requestObject(pod("nginx:1.25", Map.of("hostIPC", false)))));
        c.add(new Case("Create NodePort Service",
                request("create", "services", "default", "web").requestObject(Map.of("spec", Map.of("type", "NodePort",
                        "ports", List.of(Map.of("port", 80, "nodePort", 30080))))),
                request("create", "services", "default", "web").requestObject(Map.of("spec", Map.of("type", "ClusterIP")))));
        c.add(new Case("Create/Modify Configmap With Private Credentials",
                request("update", "configmaps", "default", "app").requestObject(Map.of("data", Map.of("aws_access_key_id", "AKIAEXAMPLE"))),
                request("update", "configmaps", "default", "app").requestObject(Map.of("data", Map.of("color", "blue")))));
        c.add(new Case("Anonymous Request Allowed", request("list", "secrets", null, null).user("system:anonymous"),
                request("get", "healthz", null, null).user("system:anonymous").uri("/healthz")));
        c.add(new Case("Attach/Exec Pod",
                request("create", "pods", "default", "web-1").subresource("exec").stage("ResponseStarted")
                        .uri("/api/v1/namespaces/default/pods/web-1/exec?command=sh&command=-c&container=app&stdin=true&tty=true"),
                request("get", "pods", "default", "web-1").subresource("log").stage("ResponseStarted")));
        c.add(new Case("port-forward", request("create", "pods", "default", "web-1").subresource("portforward"),
                request("get", "pods", "default", "web-1").subresource("proxy")));
        c.add(new Case("EphemeralContainers Created",
                request("patch", "pods", "default", "web-1").subresource("ephemeralcontainers")
                        .requestObject(Map.of("ephemeralContainers", List.of(Map.of("name", "debugger", "image", "busybox:1.36")))),
                request("patch", "pods", "default", "web-1").subresource("status")));
        c.add(new Case("Create Disallowed Namespace", request("create", "namespaces", null, "miner"),
                request("create", "namespaces", null, "kube-public")));
        c.add(new Case("Pod Created in Kube Namespace",
                request("create", "pods", "kube-system", "x").requestObject(pod("docker.io/evil/miner:1.0", Map.of())),
                request("create", "pods", "kube-system", "x").requestObject(pod("registry.k8s.io/kube-apiserver:v1.29.2", Map.of()))));
        c.add(new Case("Service Account Created in Kube Namespace", request("create", "serviceaccounts", "kube-system", "backdoor"),
                request("create", "serviceaccounts", "kube-system", "coredns")));
        c.add(new Case("System ClusterRole Modified/Deleted", request("update", "clusterroles", null, "system:node"),
                request("update", "clusterroles", null, "system:coredns")));
        c.add(new Case("Attach to cluster-admin Role",
                request("create", "clusterrolebindings", null, "pwn").requestObject(Map.of("roleRef", Map.of("kind", "ClusterRole", "name", "cluster-admin"),
                        "subjects", List.of(Map.of("kind", "User", "name", "mallory")))),
                request("create", "clusterrolebindings", null, "viewers").requestObject(Map.of("roleRef", Map.of("kind", "ClusterRole", "name", "view")))));
        c.add(new Case("ClusterRole With Wildcard Created",
                request("create", "clusterroles", null, "all").requestObject(Map.of("rules", List.of(Map.of("apiGroups", List.of(""),
                        "resources", List.of("*"), "verbs", List.of("get"))))),
                request("create", "clusterroles", null, "reader").requestObject(Map.of("rules", List.of(Map.of("apiGroups", List.of(""),
                        "resources", List.of("pods"), "verbs", List.of("get")))))));
        c.add(new Case("ClusterRole With Write Privileges Created",
                request("create", "roles", "default", "writer").requestObject(Map.of("rules", List.of(Map.of("resources", List.of("configmaps"),
                        "verbs", List.of("get", "update"))))),
                request("create", "roles", "default", "reader").requestObject(Map.of("rules", List.of(Map.of("resources", List.of("configmaps"),
                        "verbs", List.of("get", "list", "watch")))))));
        c.add(new Case("ClusterRole With Pod Exec Created",
                request("create", "roles", "default", "exec").requestObject(Map.of("rules", List.of(Map.of("resources", List.of("pods", "pods/exec"),
                        "verbs", List.of("get", "create"))))),
                request("create", "roles", "default", "logs").requestObject(Map.of("rules", List.of(Map.of("resources", List.of("pods", "pods/log"),
                        "verbs", List.of("get")))))));
        for (String[] kind : new String[][] {{"Deployment", "deployments", "default"}, {"Service", "services", "default"},
                {"ConfigMap", "configmaps", "default"}, {"Namespace", "namespaces", null}, {"Serviceaccount", "serviceaccounts", "default"},
                {"Role", "roles", "default"}, {"ClusterRole", "clusterroles", null}, {"RoleBinding", "rolebindings", "default"},
                {"ClusterRoleBinding", "clusterrolebindings", null}, {"Secret", "secrets", "default"}}) {
            for (String verb : List.of("create", "delete")) {
                String rule = "K8s " + kind[0] + (verb.equals("create") ? " Created" : " Deleted");
                c.add(new Case(rule, request(verb, kind[1], kind[2], "thing"), request(verb, kind[1], kind[2], "thing").code(403)));
            }
        }
        c.add(new Case("K8s Secret Get Successfully", request("get", "secrets", "default", "db-password"),
                request("get", "secrets", "default", "db-password").code(403)));
        c.add(new Case("K8s Secret Get Unsuccessfully Tried", request("get", "secrets", "default", "db-password").code(403),
                request("get", "secrets", "default", "db-password")));
        c.add(new Case("All K8s Audit Events", request("list", "pods", "default", null),
                request("list", "pods", "default", null).stage("RequestReceived")));
        c.add(new Case("Full K8s Administrative Access", request("list", "pods", "default", null).user("kubernetes-admin"),
                request("list", "pods", "default", null).user("alice")));
        c.add(new Case("Ingress Object without TLS Certificate Created",
                request("create", "ingresses", "default", "web").requestObject(Map.of("spec", Map.of("rules", List.of(Map.of("host", "web.example.com"))))),
                request("create", "ingresses", "default", "web").requestObject(Map.of("spec", Map.of("tls",
                        List.of(Map.of("hosts", List.of("web.example.com"), "secretName", "web-tls")))))));
        c.add(new Case("Untrusted Node Successfully Joined the Cluster", request("create", "nodes", null, "rogue-7").user("system:node:rogue-7"),
                request("create", "nodes", null, "node-2.example.com").user("system:node:node-2.example.com")));
        c.add(new Case("Untrusted Node Unsuccessfully Tried to Join the Cluster",
                request("create", "nodes", null, "rogue-7").user("system:node:rogue-7").code(403),
                request("create", "nodes", null, "rogue-7").user("system:node:rogue-7")));
        return c;
    }

    /** The rules that fired on one event, with Falco's file and the team's overrides loaded. */
    private static Set<String> fired(RuleSet set, Map<String, Object> event) {
        Set<String> names = new TreeSet<>();
        Engine engine = new Engine(set, a -> names.add(a.rule()), Engine::lineageFromTree).fold(java.time.Duration.ZERO);
        engine.accept(event);
        assertEquals(Map.of(), engine.ruleErrors(), "no rule fails to evaluate");
        return names;
    }

    @Test
    void falcosFileLoadsWhole() {
        RuleSet set = RuleLoader.load(List.of(FalcoRuleFiles.k8sAudit()));
        assertEquals(List.of(), set.errors());
        assertEquals(48, set.detections().size());
        assertTrue(set.warnings().isEmpty(), "required_plugin_versions k8saudit and json are built in: " + set.warnings());
    }

    @Test
    void everyRuleOfTheFileHasItsCase() throws Exception {
        RuleSet set = RuleLoader.load(List.of(FalcoRuleFiles.k8sAudit(), overrides()));
        assertEquals(List.of(), set.errors());
        Set<String> loaded = new TreeSet<>(set.detections().stream().map(Detection::name).toList());
        Set<String> tested = new TreeSet<>(cases().stream().map(Case::rule).toList());
        assertEquals(loaded, tested);
        assertEquals(48, tested.size());
    }

    @TestFactory
    Stream<DynamicTest> eachRuleFiresOnItsEventAndNotOnTheBenignOne() throws Exception {
        RuleSet set = RuleLoader.load(List.of(FalcoRuleFiles.k8sAudit(), overrides()));
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.rule(), () -> {
            Set<String> yes = fired(set, c.fires().event()), no = fired(set, c.silent().event());
            assertTrue(yes.contains(c.rule()), c.rule() + " did not fire; fired: " + yes);
            assertTrue(!no.contains(c.rule()), c.rule() + " fired on the benign event " + c.silent().json());
        }));
    }

    @Test
    void withoutOverridesTheQuietRulesStayQuiet() {
        RuleSet set = RuleLoader.load(List.of(FalcoRuleFiles.k8sAudit()));
        Set<String> all = new TreeSet<>();
        for (Case c : cases()) {
            all.addAll(fired(set, c.fires().event()));
        }
        for (String quiet : List.of("Create Disallowed Pod", "All K8s Audit Events", "Full K8s Administrative Access",
                "Untrusted Node Successfully Joined the Cluster", "Untrusted Node Unsuccessfully Tried to Join the Cluster")) {
            assertTrue(!all.contains(quiet), quiet + " fired without the overrides that switch it on");
        }
        assertTrue(all.contains("Create Privileged Pod"), all.toString());
    }

    @Test
    void outputsUseFalcosFieldsWithTheirValues() {
        RuleSet set = RuleLoader.load(List.of(FalcoRuleFiles.k8sAudit()));
        List<Alert> alerts = new ArrayList<>();
        Engine engine = new Engine(set, alerts::add, Engine::lineageFromTree).fold(java.time.Duration.ZERO);
        engine.accept(request("create", "pods", "default", "web-1").subresource("exec").stage("ResponseStarted")
                .uri("/api/v1/namespaces/default/pods/web-1/exec?command=sh&command=-c&container=app").event());
        Alert exec = alerts.stream().filter(a -> a.rule().equals("Attach/Exec Pod")).findFirst().orElseThrow();
        assertEquals("Attach/Exec to pod (user=alice pod=web-1 resource=pods ns=default action=exec command=sh)", exec.output());
        assertEquals(Priority.NOTICE, exec.priority());
        alerts.clear();
        engine.accept(request("create", "pods", "default", "web-1").requestObject(pod("nginx:1.25",
                Map.of("volumes", List.of(Map.of("name", "root", "hostPath", Map.of("path", "/")))))).event());
        Alert mount = alerts.stream().filter(a -> a.rule().equals("Create Sensitive Mount Pod")).findFirst().orElseThrow();
        assertTrue(mount.output().contains("images=nginx:1.25 volumes=[{") && mount.output().contains("\"hostPath\":{\"path\":\"/\"}"),
                mount.output());
    }

    @Test
    void eachSourceMeetsItsOwnRulesOnly() throws Exception {
        RuleSet set = RuleLoader.load(List.of(FalcoRuleFiles.k8sAudit(), FalcoRuleFiles.file("falco_rules.yaml"),
                dev.vigil.cli.StockPack.path()));
        assertEquals(List.of(), set.errors());
        List<String> hostRulesOnAudit = new ArrayList<>();
        List<String> names = set.detections().stream().map(Detection::name).toList();
        // Falco's k8saudit rules, and the stock pack's own (tagged k8s)
        Set<String> auditRules = new java.util.HashSet<>(RuleLoader.load(List.of(FalcoRuleFiles.k8sAudit())).detections().stream()
                .map(Detection::name).toList());
        RuleLoader.load(List.of(dev.vigil.cli.StockPack.path())).detections().stream().filter(d -> d.tags().contains("k8s"))
                .forEach(d -> auditRules.add(d.name()));
        for (Case c : cases()) {
            for (String rule : fired(set, c.fires().event())) {
                if (!auditRules.contains(rule)) {
                    hostRulesOnAudit.add(rule);
                }
            }
        }
        assertEquals(List.of(), hostRulesOnAudit);
        assertTrue(names.contains("Terminal shell in container"), "Falco's host rules loaded beside the audit rules");
        // a kernel event that has what a k8s rule reads by name meets no k8s rule
        Map<String, Object> exec = new java.util.LinkedHashMap<>(Map.of("event", "execve", "data_type", 59L, "pid", 10L, "comm", "kubectl",
                "exe", "/usr/bin/kubectl", "args", List.of("kubectl", "get", "secrets"), "ts", 1L, "nodename", "node-a"));
        exec.put("stage", "ResponseComplete");
        exec.put("k8s_user", "mallory");
        Set<String> onExec = fired(RuleLoader.load(List.of(FalcoRuleFiles.k8sAudit())), exec);
        assertEquals(Set.of(), onExec);
    }

    @Test
    void aFieldOfOneSourceInARuleOfAnotherIsAnError() {
        RuleSet wrong = RuleLoader.loadText("mixed.yaml", """
                - rule: host rule reading a k8s field
                  desc: x
                  condition: evt.type = execve and ka.verb = create
                  output: x
                  priority: WARNING
                - rule: k8s rule reading a host field
                  desc: x
                  condition: ka.verb = create and proc.name = sh
                  output: x
                  priority: WARNING
                  source: k8s_audit
                """);
        assertEquals(2, wrong.errors().size(), wrong.errors().toString());
        assertTrue(wrong.errors().get(0).getMessage().contains("field 'ka.verb' is not a field of syscall events: a rule that reads it says 'source: k8s_audit'"),
                wrong.errors().get(0).getMessage());
        assertTrue(wrong.errors().get(1).getMessage().contains("field 'proc.name' is not a field of k8s_audit events"), wrong.errors().get(1).getMessage());
    }
}
