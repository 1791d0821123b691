package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.sensor.KernelSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * 'vigil run' as a user runs it (default hooks, stock rules), against real attack behaviour on this
 * machine, and against ordinary admin work that must raise nothing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RunDetectionTest {
    private static Process vigil;
    private static final List<JsonNode> alerts = new CopyOnWriteArrayList<>();
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        boolean root = KernelSupport.isRoot();
        if (!root && "true".equals(System.getenv("CI"))) {
            fail("privileged tests must run as root under CI=true");
        }
        Assumptions.assumeTrue(root);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.vigil.cli.Main", "run", "--rasp=off")); // the RASP has tests of its own
        vigil = new ProcessBuilder(cmd).start();
        BufferedReader err = new BufferedReader(new InputStreamReader(vigil.getErrorStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = err.readLine()) != null && !line.equals("ready")) {
            System.err.println("[vigil run] " + line);
        }
        assertEquals("ready", line);
        Thread.ofPlatform().daemon().start(() -> err.lines().forEach(l -> System.err.println("[vigil run] " + l)));
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(vigil.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = out.readLine()) != null; ) {
                    alerts.add(JSON.readTree(l));
                }
            } catch (Exception e) {
                // the process ended
            }
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (vigil != null) {
            new ProcessBuilder("kill", "-TERM", String.valueOf(vigil.pid())).start().waitFor();
            assertTrue(vigil.waitFor(20, TimeUnit.SECONDS));
            assertEquals(0, vigil.exitValue());
        }
    }

    private static JsonNode await(String rule, Predicate<JsonNode> p) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            for (JsonNode a : alerts) {
                if (a.get("rule").asText().equals(rule) && p.test(a)) {
                    return a;
                }
            }
            Thread.sleep(20);
        }
        return fail("no '" + rule + "' alert within 10 s; alerts so far: " + alerts.stream().map(a -> a.get("rule").asText()).toList());
    }

    private static long pidOf(JsonNode alert) {
        return alert.get("events").get(alert.get("events").size() - 1).get("pid").asLong();
    }

    private static int sh(String script) throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", script).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor();
        return (int) p.pid();
    }

    private static String trigger() {
        return Path.of("target/test-bin/trigger").toAbsolutePath().toString();
    }

    @Test
    @Order(1)
    void ordinaryAdminWorkRaisesNothing() throws Exception {
        Path work = Files.createTempDirectory("vigil-admin");
        Files.writeString(work.resolve("hello.c"), "int main(void){return 0;}\n");
        int before = alerts.size();
        sh("cd " + work + " && cc -o hello hello.c && ./hello && cc -o /tmp/vigil-hello-$$ hello.c && /tmp/vigil-hello-$$; rm -f /tmp/vigil-hello-$$");
        sh("ls -la / /etc >/dev/null; cat /etc/hostname /etc/os-release >/dev/null; id; uname -a; ps aux >/dev/null");
        sh("dpkg -l >/dev/null; apt-cache policy bash >/dev/null; dpkg -S /bin/ls >/dev/null");
        sh("tar czf " + work + "/etc.tgz /etc/hostname /etc/hosts 2>/dev/null; tar tzf " + work + "/etc.tgz >/dev/null");
        sh("grep -r root /etc/passwd >/dev/null; find /etc -maxdepth 1 -name '*.conf' >/dev/null; sort /etc/passwd | head -3 >/dev/null");
        sh("python3 -c 'import os; print(os.getpid())' >/dev/null 2>&1; git --version >/dev/null 2>&1; ssh -V 2>/dev/null; true");
        sh("crontab -l >/dev/null 2>&1; systemctl --version >/dev/null 2>&1; journalctl -n 1 >/dev/null 2>&1; true");
        sh("cp /etc/hosts " + work + "/hosts && chmod 600 " + work + "/hosts && mv " + work + "/hosts " + work + "/hosts2 && ln -s "
                + work + "/hosts2 " + work + "/link && rm -rf " + work);
        sh("getent hosts localhost >/dev/null; cat /proc/cpuinfo >/dev/null; df -h >/dev/null; free -m >/dev/null; env >/dev/null");
        // a marker after the admin work (an attack no other test here makes): its alert comes after any the work raised
        JsonNode markerAlert = await(Corpus.MARKER_RULE, Corpus.marker());
        List<String> raised = alerts.subList(before, alerts.indexOf(markerAlert)).stream()
                .map(a -> a.get("rule").asText() + ": " + a.get("output").asText()).toList();
        assertEquals(List.of(), raised, "admin work raised alerts");
    }

    @Test
    @Order(2)
    void reverseShell() throws Exception {
        Process p = new ProcessBuilder(trigger(), "revshell").start();
        String[] out = new String(p.getInputStream().readAllBytes()).trim().split(" ");
        p.waitFor();
        long shellPid = Long.parseLong(out[1]);
        JsonNode a = await("Reverse shell", x -> pidOf(x) == shellPid);
        assertEquals("CRITICAL", a.get("priority").asText());
        assertTrue(a.get("output").asText().contains("127.0.0.1:" + out[0]), a.get("output").asText());
        assertTrue(a.get("lineage").size() >= 2, "lineage is included");
    }

    @Test
    @Order(3)
    void memfdExec() throws Exception {
        Process p = new ProcessBuilder(trigger(), "memfd-exec").start();
        p.waitFor();
        await("Fileless execution from memfd", x -> x.get("events").get(0).get("ppid").asLong() == p.pid());
        JsonNode seq = await("Memfd created then executed", x -> x.get("events").get(0).get("pid").asLong() == p.pid());
        assertEquals(2, seq.get("events").size());
    }

    @Test
    @Order(4)
    void dropChmodExecFromTmp() throws Exception {
        String f = "/tmp/vigil-dropped-" + ProcessHandle.current().pid();
        sh("cat /bin/true > " + f + "; chmod 755 " + f + "; " + f + "; rm -f " + f);
        JsonNode a = await("Dropped file made executable and run", x -> x.get("output").asText().contains(f));
        assertEquals(3, a.get("events").size());
        assertEquals(List.of("created", "made_executable", "executed"), JSON.convertValue(a.get("steps"), List.class));
    }

    @Test
    @Order(5)
    void ptraceInjection() throws Exception {
        Process p = new ProcessBuilder(trigger(), "ptrace-poke").start();
        p.waitFor();
        await("Ptrace code injection", x -> pidOf(x) == p.pid());
        await("Ptrace anti-debugging", x -> x.get("events").get(0).get("ppid").asLong() == p.pid());
    }

    @Test
    @Order(6)
    void setresuidToRoot() throws Exception {
        Process p = new ProcessBuilder(trigger(), "setresuid").start();
        p.waitFor();
        await("Non-root process took root credentials", x -> pidOf(x) == p.pid());
    }

    @Test
    @Order(7)
    void shadowRead() throws Exception {
        Process p = new ProcessBuilder(trigger(), "read", "/etc/shadow").start();
        p.waitFor();
        await("Sensitive file read by an unexpected program", x -> pidOf(x) == p.pid());
    }

    @Test
    @Order(8)
    void crontabWrite() throws Exception {
        Path f = Path.of("/etc/cron.d/vigil-test-" + ProcessHandle.current().pid());
        try {
            sh("echo '* * * * * root true' > " + f);
            await("Cron file written outside the cron tools", x -> x.get("output").asText().contains(f.toString()));
        } finally {
            Files.deleteIfExists(f);
        }
    }

    @Test
    @Order(9)
    void portScanOfLoopback() throws Exception {
        Process p = new ProcessBuilder(trigger(), "scan", "43000", "40").start();
        p.waitFor();
        JsonNode a = await("Outbound port scan", x -> pidOf(x) == p.pid());
        assertTrue(a.get("distinct_count").asLong() >= 20);
    }

    @Test
    @Order(10)
    void masqueradeAsKernelThread() throws Exception {
        Process p = new ProcessBuilder(trigger(), "prctl", "kworker/1:2").start();
        p.waitFor();
        await("Process masquerading as a kernel thread", x -> pidOf(x) == p.pid());
    }
}
