package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.detect.FalcoRuleFiles;
import dev.vigil.enrich.RealDocker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Falco's container rules, unchanged, live: `vigil run --rules FILE`, the thing done in a real
 * container (docker.io, an image of busybox-static, no network), and the alert named. Each
 * trigger is a `docker exec` into one running container; a tool busybox lacks is a copy of
 * busybox under the name the rule looks for. The rules not shown here, and why, are listed in the
 * README (a privileged container cannot start here; no metadata service or API server is
 * reachable; block devices given with --device cannot be opened here).
 */
class FalcoContainerRulesLiveTest {
    private static RealDocker docker;
    private static String box;

    @BeforeAll
    static void container() throws Exception {
        AgentProcess.requireRoot();
        docker = RealDocker.start();
        box = docker.run(List.of(), RealDocker.IMAGE, "sleep", "600");
        // a tool under the name the rule knows
        // and a container's own account database, another file than the host's
        RealDocker.Result r = docker.exec(box, "sh", "-c", "cp /bin/busybox /tmp/kubectl && echo 'root:*:19000:0:99999:7:::' > /etc/shadow");
        assertEquals(0, r.exit(), r.out());
    }

    @AfterAll
    static void clean() throws Exception {
        if (docker != null) {
            docker.close();
        }
    }

    /** One agent with the file as its only rules (and `more` options); every trigger run in the container; every rule's alert awaited, in a container. */
    private static void fires(String file, Map<String, List<String>> triggers, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--rules", FalcoRuleFiles.file(file).toString(), "--no-console"));
        args.addAll(List.of(more));
        try (AgentProcess agent = AgentProcess.start(args.toArray(String[]::new))) {
            for (List<String> command : triggers.values()) {
                if (command.getFirst().equals("run")) {
                    RealDocker.Result r = docker.docker(command.toArray(String[]::new));
                    assertEquals(0, r.exit(), r.out());
                    continue;
                }
                List<String> exec = new java.util.ArrayList<>(List.of("exec"));
                exec.addAll(command.getFirst().equals("-t") ? List.of("-t", box) : List.of(box));
                exec.addAll(command.getFirst().equals("-t") ? command.subList(1, command.size()) : command);
                docker.docker(exec.toArray(String[]::new));
            }
            java.util.Set<String> missing = new java.util.LinkedHashSet<>(triggers.keySet());
            for (int i = 0; i < 500 && !missing.isEmpty(); i++) {
                agent.alerts.forEach(a -> {
                    if (a.path("events").path(0).path("container_id").asText("").length() == 12) {
                        missing.remove(a.get("rule").asText());
                    }
                });
                Thread.sleep(20);
            }
            assertEquals(java.util.Set.of(), missing, "rules that raised nothing from the container; alerts: "
                    + agent.alerts.stream().map(a -> a.get("rule").asText()).distinct().toList() + "; stderr: " + agent.stderr);
            java.util.Set<String> startedNames = new java.util.HashSet<>();
            triggers.values().stream().filter(c -> c.getFirst().equals("run")).forEach(c -> startedNames.add(c.get(c.indexOf("--name") + 1)));
            for (JsonNode a : agent.alerts) {
                List<String> trigger = triggers.get(a.get("rule").asText());
                JsonNode e = a.path("events").path(0);
                if (trigger != null && trigger.getFirst().equals("run")) {
                    // a container started for one rule may raise another's too (its mount is sensitive as well)
                    assertTrue(startedNames.contains(e.path("container_name").asText()), "names a container started here: " + a);
                } else if (trigger != null) {
                    assertTrue(box.startsWith(e.path("container_id").asText()), "names the container: " + a);
                }
            }
            assertEquals(0, agent.stop());
        }
    }

    /** A container started (and removed when it ends) with these `docker run` options, running `true`: the rule sees its first process. */
    private static List<String> started(String name, String... options) {
        return startedRunning(name, List.of(options), "true");
    }

    /** A container started (and removed when it ends) with these `docker run` options, running `command`. */
    private static List<String> startedRunning(String name, List<String> options, String... command) {
        List<String> run = new java.util.ArrayList<>(List.of("run", "--rm", "--network", "none", "--name", name));
        run.addAll(options);
        run.add(RealDocker.IMAGE);
        run.addAll(List.of(command));
        return run;
    }

    @Test
    void falcoRules() throws Exception {
        Map<String, List<String>> t = new LinkedHashMap<>();
        t.put("Terminal shell in container", List.of("-t", "sh", "-c", "exit 0"));
        t.put("Netcat Remote Code Execution in Container", List.of("/bin/nc", "-e", "/bin/true", "127.0.0.1", "9"));
        t.put("Packet socket created in container", List.of("/bin/arping", "-c", "1", "-w", "1", "-I", "lo", "127.0.0.1"));
        t.put("Drop and execute new binary in container", List.of("sh", "-c", "cp /bin/busybox /tmp/dropped && /tmp/dropped true"));
        t.put("Read sensitive file untrusted", List.of("/bin/head", "-c1", "/etc/shadow"));
        // nc -e puts the connection on the program's stdin and stdout (dup2) before it runs it; the listener is in the
        // container (no network but loopback), and the client tries again until it is up
        t.put("Redirect STDOUT/STDIN to Network Connection in Container", List.of("sh", "-c",
                "/bin/nc -l -p 7000 >/dev/null & for i in 1 2 3 4 5 6 7 8 9 10; do /bin/nc 127.0.0.1 7000 -e /bin/true && break; sleep 0.2; done"));
        fires("falco_rules.yaml", t);
    }

    @Test
    void incubatingRules() throws Exception {
        Map<String, List<String>> t = new LinkedHashMap<>();
        t.put("Launch Package Management Process in Container", List.of("/bin/dpkg", "--version"));
        t.put("Launch Suspicious Network Tool in Container", List.of("/bin/telnet", "127.0.0.1", "9"));
        t.put("Launch Ingress Remote File Copy Tools in Container", List.of("/bin/wget", "-q", "-T", "1", "-O", "/dev/null", "http://127.0.0.1:9/"));
        t.put("Read environment variable from /proc files", List.of("/bin/cat", "/proc/1/environ"));
        t.put("Change namespace privileges via unshare", List.of("/bin/unshare", "-U", "/bin/true")); // refused by docker's seccomp: the attempt is the event
        t.put("Launch Excessively Capable Container", started("vigil-live-capable", "--cap-add", "SYS_ADMIN"));
        fires("falco-incubating_rules.yaml", t);
    }

    /**
     * Rules that read every open (a name's end, any file tar reads): Vigil reports opens of watched
     * files only, unless the sandbox open hook is on, as here.
     */
    @Test
    void rulesOverEveryOpen() throws Exception {
        Map<String, List<String>> stable = new LinkedHashMap<>();
        // a cgroup v1 hierarchy mounted in the container and its release_agent written with its own value at once
        stable.put("Detect release_agent File Container Escapes", startedRunning("vigil-live-release-agent",
                List.of("--cap-add", "SYS_ADMIN", "--security-opt", "apparmor=unconfined"), "sh", "-c",
                "mkdir -p /tmp/cg && mount -t cgroup -o memory cgroup /tmp/cg && old=$(cat /tmp/cg/release_agent)"
                        + " && printf %s \"$old\" > /tmp/cg/release_agent; umount /tmp/cg"));
        fires("falco_rules.yaml", stable, "--hooks", "default,open");
        Map<String, List<String>> incubating = new LinkedHashMap<>();
        // kubectl cp runs tar in the container, as its own process (its parent is the runtime)
        incubating.put("Exfiltrating Artifacts via Kubernetes Control Plane", List.of("/bin/tar", "cf", "/dev/null", "/tmp/kubectl"));
        fires("falco-incubating_rules.yaml", incubating, "--hooks", "default,open");
    }

    /**
     * Contact K8S API Server From Container: Falco knows the API server by fd.sip.name, the name DNS
     * gave the address. A resolver on the host's loopback answers for kubernetes.default.svc.cluster.local;
     * a container on the host's network looks it up and connects to the address it got (refused:
     * the connect is what the rule reads).
     */
    @Test
    void kubernetesApiServerKnownByTheNameDnsGaveIt() throws Exception {
        try (java.net.DatagramSocket resolver = new java.net.DatagramSocket(53, java.net.InetAddress.getByName("127.0.0.1"))) {
            Thread answering = Thread.ofPlatform().daemon().start(() -> answerWithLoopbackTwo(resolver));
            Map<String, List<String>> t = new LinkedHashMap<>();
            t.put("Contact K8S API Server From Container", List.of("run", "--rm", "--network", "host", "--name", "vigil-live-k8s-api",
                    RealDocker.IMAGE, "sh", "-c", "nslookup kubernetes.default.svc.cluster.local 127.0.0.1; nc -w 1 127.0.0.2 443; true"));
            fires("falco_rules.yaml", t);
            answering.interrupt();
        }
    }

    /** Answers every query with one A record, 127.0.0.2 (none for other types), until the socket closes. */
    private static void answerWithLoopbackTwo(java.net.DatagramSocket s) {
        byte[] buf = new byte[512];
        while (!s.isClosed()) {
            try {
                java.net.DatagramPacket q = new java.net.DatagramPacket(buf, buf.length);
                s.receive(q);
                int end = 12;
                while (end < q.getLength() && buf[end] != 0) {
                    end += (buf[end] & 0xff) + 1;
                }
                end += 5; // the root label, qtype, qclass
                boolean a = buf[end - 4] == 0 && buf[end - 3] == 1; // qtype A
                java.io.ByteArrayOutputStream r = new java.io.ByteArrayOutputStream();
                r.write(buf, 0, 2);
                r.writeBytes(new byte[] {(byte) 0x81, (byte) 0x80, 0, 1, 0, (byte) (a ? 1 : 0), 0, 0, 0, 0});
                r.write(buf, 12, end - 12);
                if (a) {
                    r.writeBytes(new byte[] {(byte) 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 2});
                }
                s.send(new java.net.DatagramPacket(r.toByteArray(), r.size(), q.getSocketAddress()));
            } catch (java.io.IOException closed) {
                return;
            }
        }
    }

    /** The two drift rules Falco's file ships disabled, switched on by a file of the user's as Falco users do. */
    @Test
    void driftRulesSwitchedOn() throws Exception {
        try (TempDir dir = TempDir.create("vigil-drift")) {
            java.nio.file.Path enable = dir.path().resolve("enable-drift.yaml");
            java.nio.file.Files.writeString(enable, "- rule: Container Drift Detected (chmod)\n  enabled: true\n\n"
                    + "- rule: Container Drift Detected (open+create)\n  enabled: true\n");
            Map<String, List<String>> t = new LinkedHashMap<>();
            t.put("Container Drift Detected (open+create)", List.of("sh", "-c", "cp /bin/busybox /tmp/drift-copy"));
            t.put("Container Drift Detected (chmod)", List.of("sh", "-c", "echo true > /tmp/drift-script && chmod +x /tmp/drift-script"));
            fires("falco-sandbox_rules.yaml", t, "--rules", enable.toString());
        }
    }

    @Test
    void sandboxRules() throws Exception {
        Map<String, List<String>> t = new LinkedHashMap<>();
        t.put("Decoding Payload in Container", List.of("sh", "-c", "echo dmlnaWwK | /bin/base64 -d"));
        t.put("Kubernetes Client Tool Launched in Container", List.of("/tmp/kubectl", "version"));
        t.put("Launch Sensitive Mount Container", started("vigil-live-sensitive", "-v", "/etc:/host/etc:ro"));
        t.put("Container Access to Host Sensitive Paths", startedRunning("vigil-live-hostpath", List.of("-v", "/etc:/host/etc:ro"),
                "/bin/head", "-c1", "/host/etc/shadow"));
        fires("falco-sandbox_rules.yaml", t);
    }
}
