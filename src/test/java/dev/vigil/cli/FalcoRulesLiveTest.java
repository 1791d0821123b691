package dev.vigil.cli;

import dev.vigil.detect.FalcoRuleFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Falco's own rule files, unchanged, under {@code vigil run --rules FILE}: for each rule whose
 * behaviour this host can produce outside a container, the kernel is made to do the thing and the
 * alert must carry that rule's name. Container rules run in a real container in
 * FalcoContainerRulesLiveTest; those no runtime here can trigger are shown firing over recorded
 * events in FalcoCompatTest.
 *
 * Tools are stand-ins named as the rules name them (a copy of bash called nginx, of true called
 * xmrig…): Falco's rules judge a process by its name, and the kernel reports the name exec'd.
 */
class FalcoRulesLiveTest {
    private static Path dir;
    private static boolean madeSshDir;

    @BeforeAll
    static void tools() throws Exception {
        AgentProcess.requireRoot();
        dir = Files.createTempDirectory("vigil-falco");
        for (String name : List.of("nginx", "mysqld")) {
            Files.copy(Path.of("/bin/bash"), dir.resolve(name));
        }
        for (String name : List.of("crontab", "nmap", "xmrig", "nc", "pkexec", "sudoedit")) {
            Files.copy(Path.of("/bin/true"), dir.resolve(name));
        }
        for (Path p : List.of(dir.resolve("nginx"), dir.resolve("mysqld"))) {
            p.toFile().setExecutable(true);
        }
        // the ssh folder must exist before the agent starts to be watched at once (a later one joins within 10 s)
        Path ssh = Path.of("/root/.ssh");
        if (!Files.isDirectory(ssh)) {
            Files.createDirectory(ssh);
            madeSshDir = true;
        }
    }

    @AfterAll
    static void clean() throws Exception {
        if (dir != null) {
            sh("rm -rf " + dir);
        }
        if (madeSshDir) {
            sh("rm -rf /root/.ssh");
        }
    }

    private static void sh(String script) throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", script).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    private static String python(String code) {
        return "/usr/bin/python3 -c '" + code.replace("'", "'\\''") + "'";
    }

    private static String asNobody(String command) {
        return "setpriv --reuid=65534 --regid=65534 --clear-groups " + command;
    }

    /** One agent with the file as its only rules; every trigger run; every rule's alert awaited. */
    private static void fires(String file, Map<String, String> triggers) throws Exception {
        try (AgentProcess agent = AgentProcess.start("--rules", FalcoRuleFiles.file(file).toString())) {
            assertTrue(agent.stderr.stream().noneMatch(l -> l.contains("skipped")), "every rule loads: " + agent.stderr);
            for (String script : triggers.values()) {
                sh(script);
            }
            java.util.Set<String> missing = new java.util.LinkedHashSet<>(triggers.keySet());
            for (int i = 0; i < 500 && !missing.isEmpty(); i++) {
                agent.alerts.forEach(a -> missing.remove(a.get("rule").asText()));
                Thread.sleep(20);
            }
            assertEquals(java.util.Set.of(), missing, "rules that raised nothing; alerts: "
                    + agent.alerts.stream().map(a -> a.get("rule").asText()).distinct().toList() + "; stderr: " + agent.stderr);
            assertEquals(0, agent.stop());
        }
    }

    private static final String BPF_LOAD = """
            import ctypes, struct
            insns = bytes([0xb7,0,0,0,0,0,0,0, 0x95,0,0,0,0,0,0,0])
            buf = ctypes.create_string_buffer(insns)
            lic = ctypes.create_string_buffer(b"GPL")
            attr = struct.pack("IIQQIIQI", 1, 2, ctypes.addressof(buf), ctypes.addressof(lic), 0, 0, 0, 0) + bytes(80)
            a = ctypes.create_string_buffer(attr, len(attr))
            ctypes.CDLL(None, use_errno=True).syscall(321, 5, a, len(attr))
            """;

    private static final String PTRACE_ATTACH = """
            import ctypes, os, signal, time
            libc = ctypes.CDLL(None, use_errno=True)
            pid = os.fork()
            if pid == 0:
                time.sleep(5)
                os._exit(0)
            libc.ptrace(16, pid, 0, 0)
            os.waitpid(pid, 0)
            libc.ptrace(17, pid, 0, 0)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            """;

    private static final String MEMFD_EXEC = """
            import os
            fd = os.memfd_create("payload")
            os.write(fd, open("/bin/true", "rb").read())
            os.execv("/proc/self/fd/%d" % fd, ["payload"])
            """;

    @Test
    void falcoRules() throws Exception {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("Read sensitive file untrusted", "head -c1 /etc/shadow");
        t.put("Search Private Keys or Passwords", "grep -rs 'BEGIN RSA PRIVATE' /nonexistent-vigil");
        t.put("Find AWS Credentials", "find /nonexistent-vigil -path '*.aws/credentials'");
        t.put("Remove Bulk Data from Disk", "echo x > " + dir + "/shredme && shred -u " + dir + "/shredme");
        t.put("Create Symlink Over Sensitive Files", "ln -sf /etc/shadow " + dir + "/sym");
        t.put("Create Hardlink Over Sensitive Files", "ln /etc/shadow " + dir + "/hard; rm -f " + dir + "/hard");
        t.put("PTRACE anti-debug attempt", python("import ctypes; ctypes.CDLL(None).ptrace(0, 0, 0, 0)"));
        t.put("PTRACE attached to process", python(PTRACE_ATTACH));
        t.put("Execution from /dev/shm", "cp /bin/true /dev/shm/vigil-falco && /dev/shm/vigil-falco; rm -f /dev/shm/vigil-falco");
        t.put("Fileless execution via memfd_create", python(MEMFD_EXEC));
        t.put("Run shell untrusted", dir + "/nginx -c 'sh -c true; true'");
        t.put("Clear Log Activities", ": > /var/log/vigil-falco.log; rm -f /var/log/vigil-falco.log");
        fires("falco_rules.yaml", t);
    }

    @Test
    void incubatingRules() throws Exception {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("Modify Shell Configuration File", "if [ -e /root/.bashrc ]; then " + python("open(\"/root/.bashrc\", \"a\").close()")
                + "; else " + python("open(\"/root/.bashrc\", \"a\").close()") + "; rm -f /root/.bashrc; fi");
        t.put("Schedule Cron Jobs", dir + "/crontab -l");
        t.put("Read ssh information", "echo x > /root/.ssh/vigil-falco && " + python("open(\"/root/.ssh/vigil-falco\").read()")
                + "; rm -f /root/.ssh/vigil-falco");
        t.put("Adding ssh keys to authorized_keys", "if [ -e /root/.ssh/authorized_keys ]; then "
                + python("open(\"/root/.ssh/authorized_keys\", \"a\").close()") + "; else "
                + python("open(\"/root/.ssh/authorized_keys\", \"a\").close()") + "; rm -f /root/.ssh/authorized_keys; fi");
        t.put("DB program spawned process", dir + "/mysqld -c '/bin/true; true'");
        t.put("Change thread namespace", python("import ctypes, os; fd = os.open(\"/proc/self/ns/uts\", os.O_RDONLY); ctypes.CDLL(None).setns(fd, 0)"));
        t.put("Program run with disallowed http proxy env", "HTTP_PROXY=http://127.0.0.1:9 curl --version");
        t.put("Non sudo setuid", asNobody(python("import os\ntry:\n    os.setuid(0)\nexcept OSError:\n    pass")));
        t.put("User mgmt binaries", "pwck --help");
        t.put("Create files below dev", "touch /dev/vigil-falco; rm -f /dev/vigil-falco");
        t.put("Launch Suspicious Network Tool on Host", dir + "/nmap --version");
        t.put("Delete or rename shell history", "touch " + dir + "/.bash_history && mv " + dir + "/.bash_history " + dir + "/h2");
        t.put("Set Setuid or Setgid bit", "touch " + dir + "/suid && chmod u+s " + dir + "/suid");
        t.put("Potential Local Privilege Escalation via Environment Variables Misuse", "GLIBC_TUNABLES=glibc.malloc.mxfast=0 /bin/true");
        t.put("BPF Program Not Profiled", python(BPF_LOAD));
        fires("falco-incubating_rules.yaml", t);
    }

    @Test
    void sandboxRules() throws Exception {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("Detect crypto miners using the Stratum protocol", "sh -c 'true stratum+tcp://pool.example:3333'");
        t.put("Known Cryptominer Process Executed", dir + "/xmrig");
        t.put("Netcat/Socat Remote Code Execution on Host", dir + "/nc -e /bin/sh 127.0.0.1 9");
        t.put("Web Server Spawned Shell", dir + "/nginx -c 'sh -c true; true'");
        t.put("Reverse Shell from Web Server", dir + "/nginx -c 'bash -i -c true </dev/null; true'");
        t.put("Web Server Spawned Suspicious Child Process", dir + "/nginx -c 'whoami; true'");
        t.put("Polkit Local Privilege Escalation Vulnerability (CVE-2021-4034)", dir + "/pkexec");
        t.put("Sudo Potential Privilege Escalation", dir + "/sudoedit -s '\\'");
        t.put("Mkdir binary dirs", "mkdir /usr/bin/vigil-falco-d; rmdir /usr/bin/vigil-falco-d");
        t.put("Modify binary dirs", "touch /usr/bin/vigil-falco-a && mv /usr/bin/vigil-falco-a /usr/bin/vigil-falco-b; rm -f /usr/bin/vigil-falco-b");
        t.put("Unprivileged Delegation of Page Faults Handling to a Userspace Process",
                asNobody(python("import ctypes; ctypes.CDLL(None).syscall(323, 0o2000000 | 1)")));
        t.put("Basic Interactive Reconnaissance", "script -qc 'exec whoami' /dev/null");
        // opens the rules read, watched because they read them: /etc and /root as trees, binary directories' entries
        t.put("Write below etc", "mkdir -p /etc/vigil-falco.d && touch /etc/vigil-falco.d/x; rm -rf /etc/vigil-falco.d");
        t.put("Write below binary dir", "touch /usr/bin/vigil-falco-w; rm -f /usr/bin/vigil-falco-w");
        t.put("Write below root", "touch /root/vigil-falco-w; rm -f /root/vigil-falco-w");
        t.put("Update Package Repository", "touch /etc/apt/sources.list.d/vigil-falco.list; rm -f /etc/apt/sources.list.d/vigil-falco.list");
        fires("falco-sandbox_rules.yaml", t);
    }
}
