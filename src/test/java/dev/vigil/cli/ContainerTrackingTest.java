package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What enrichment adds, through {@code vigil events}: process identities (exec_id), the target of
 * an act on another process, and a container made by hand after the agent started (a cgroup v2 directory named like a runtime's,
 * unshare for the mount namespace, and a Docker-style state folder written here): its events carry
 * the container id, runtime, image and privileged flag, learnt from the kernel's cgroup events.
 */
class ContainerTrackingTest {
    private static Path cgroup2() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String[] f = line.split(" ");
            if (f.length > 2 && f[2].equals("cgroup2")) {
                return Path.of(f[1]);
            }
        }
        return fail("no cgroup2 mount");
    }

    @Test
    void aContainerMadeByHandIsRecognised() throws Exception {
        AgentProcess.requireRoot();
        byte[] raw = new byte[32];
        new Random().nextBytes(raw);
        String id = HexFormat.of().formatHex(raw);
        Path state = Files.createTempDirectory("vigil-state");
        Files.createDirectories(state.resolve(id));
        Files.writeString(state.resolve(id).resolve("config.v2.json"), "{\"Config\":{\"Image\":\"registry.example/evil:1.0\"}}");
        Files.writeString(state.resolve(id).resolve("hostconfig.json"), "{\"Privileged\":true}");

        List<String> cmd = new ArrayList<>(AgentProcess.javaCommand("-Dvigil.containers.state=" + state));
        cmd.addAll(List.of("events", "--hooks", "execve,process_memory", "--duration", "30"));
        Process agent = new ProcessBuilder(cmd).start();
        List<JsonNode> events = new CopyOnWriteArrayList<>();
        BufferedReader err = new BufferedReader(new InputStreamReader(agent.getErrorStream(), StandardCharsets.UTF_8));
        assertEquals("ready", err.readLine());
        ObjectMapper json = new ObjectMapper();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = out.readLine()) != null; ) {
                    events.add(json.readTree(l));
                }
            } catch (Exception ended) {
                // the agent stopped
            }
        });
        Path group = cgroup2().resolve("vigil-test-docker-" + id + ".scope");
        Files.createDirectory(group);
        try {
            Process inside = new ProcessBuilder("unshare", "-m", "/bin/sh", "-c",
                    "echo $$ > " + group.resolve("cgroup.procs") + " && exec /bin/echo vigil-in-container").start();
            inside.getInputStream().readAllBytes();
            assertEquals(0, inside.waitFor());
            JsonNode e = null;
            for (int i = 0; i < 500 && e == null; i++) {
                e = events.stream().filter(x -> x.path("args").path(0).asText().equals("/bin/echo")
                        && x.path("args").toString().contains("vigil-in-container")).findFirst().orElse(null);
                Thread.sleep(20);
            }
            assertTrue(e != null, "no exec event from the container");
            assertEquals(id.substring(0, 12), e.get("container_id").asText());
            assertEquals("docker", e.get("container_runtime").asText());
            assertEquals("registry.example/evil:1.0", e.get("container_image").asText());
            assertTrue(e.get("container_privileged").asBoolean());
            assertTrue(e.get("in_container").asBoolean());

            // identity: host:start:pid for the process, and for its parent from the kernel's ancestry
            String host = e.get("nodename").asText();
            assertEquals(host + ":" + e.get("start_time").asLong() + ":" + e.get("pid").asLong(), e.get("exec_id").asText());
            assertEquals(host + ":" + e.get("ancestors").get(1).get("start").asLong() + ":" + e.get("ppid").asLong(),
                    e.get("parent_exec_id").asText());

            // an act on another process names that process, from the cache
            Process victim = new ProcessBuilder("/bin/sleep", "30").start();
            try {
                for (int i = 0; i < 500 && events.stream().noneMatch(x -> x.path("event").asText().equals("execve")
                        && x.path("pid").asLong() == victim.pid()); i++) {
                    Thread.sleep(20); // the victim is in the process cache once its exec is seen
                }
                Process reader = new ProcessBuilder("/bin/sh", "-c", "exec cat /proc/" + victim.pid() + "/environ > /dev/null").start();
                reader.waitFor();
                JsonNode m = null;
                for (int i = 0; i < 500 && m == null; i++) {
                    m = events.stream().filter(x -> x.path("event").asText().equals("process_memory")
                            && x.path("pid").asLong() == reader.pid()).findFirst().orElse(null);
                    Thread.sleep(20);
                }
                assertTrue(m != null, "no process_memory event");
                assertEquals(victim.pid(), m.get("target_pid").asLong());
                assertEquals("/usr/bin/sleep", m.get("target_exe").asText());
                assertEquals("sleep", m.get("target_comm").asText());
            } finally {
                victim.destroy();
            }
        } finally {
            new ProcessBuilder("kill", "-TERM", String.valueOf(agent.pid())).start().waitFor();
            agent.waitFor(20, TimeUnit.SECONDS);
            for (int i = 0; i < 50 && Files.exists(group); i++) {
                try {
                    Files.delete(group);
                } catch (java.io.IOException busy) {
                    Thread.sleep(100);
                }
            }
        }
    }
}
