package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rootkit checks live: `vigil integrity` on this kernel, and the team's userland kit under
 * `vigil run`: a readdir hider installed through /etc/ld.so.preload hiding a miner (against an agent
 * started before the kit, and one started after it, whose own JVM then carries the hider), a fake
 * kernel thread, a program deleted after it started, a mount over /proc/PID. Every host file the kit
 * touches is put back in every path.
 */
class IntegrityLiveTest {
    static final Path LD_SO_PRELOAD = Path.of("/etc/ld.so.preload");
    static final Path HIDER = Path.of("target", "test-bin", "libvigil-hider.so").toAbsolutePath();

    /** A run whose integrity checks pass every `interval` (0: once, at start). */
    private static String[] args(String interval) {
        return new String[] {"--no-store", "--no-console", "--fold", "0", "--integrity-interval", interval};
    }

    private static JsonNode event(JsonNode alert) {
        return alert.path("events").path(0);
    }

    @Test
    void integrityCommandRunsEveryCheckOnThisKernel() throws Exception {
        AgentProcess.requireRoot();
        List<String> cmd = new ArrayList<>(AgentProcess.javaCommand());
        cmd.addAll(List.of("integrity", "--json"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        JsonNode doc = new ObjectMapper().readTree(out);
        assertEquals(12, doc.path("checks").size(), out);
        for (JsonNode c : doc.path("checks")) {
            String outcome = c.path("outcome").asText();
            assertTrue(outcome.equals("clean") || outcome.equals("not_runnable") && !c.path("note").asText().isBlank(), c.toString());
            if (List.of("syscall_table", "syscall_dispatch", "inline_hooks", "idt", "proc_file_ops", "ftrace", "hidden_processes").contains(c.path("check").asText())) {
                assertEquals("clean", outcome, "runnable on this kernel: " + c);
            }
        }
        assertTrue(doc.path("cpu_ms").asDouble() > 0, out);
    }

    /** Writes the hider into /etc/ld.so.preload; the closer puts the file back as it was (or removes it), also on a JVM exit. */
    static AutoCloseable installPreload(Path library) throws Exception {
        byte[] before = Files.exists(LD_SO_PRELOAD) ? Files.readAllBytes(LD_SO_PRELOAD) : null;
        Runnable restore = () -> {
            try {
                if (before == null) {
                    Files.deleteIfExists(LD_SO_PRELOAD);
                } else {
                    Files.write(LD_SO_PRELOAD, before);
                }
            } catch (Exception e) {
                throw new IllegalStateException("could not restore /etc/ld.so.preload", e);
            }
        };
        Thread onExit = new Thread(restore);
        Runtime.getRuntime().addShutdownHook(onExit);
        Files.writeString(LD_SO_PRELOAD, library + "\n");
        return () -> {
            restore.run();
            Runtime.getRuntime().removeShutdownHook(onExit);
        };
    }

    @Test
    void aPreloadHiderIsFoundByAnAgentStartedBeforeItAndByOneStartedAfterIt() throws Exception {
        AgentProcess.requireRoot();
        try (TempDir kit = TempDir.create("vigil-kit")) {
            Files.setPosixFilePermissions(kit.path(), PosixFilePermissions.fromString("rwxr-xr-x"));
            Path hider = Files.copy(HIDER, kit.path().resolve("libvigil-hider.so"));
            Path miner = Files.copy(Path.of("/bin/sleep"), kit.path().resolve("vigil-miner"));
            Process mining = new ProcessBuilder(miner.toString(), "600").start();
            try (AgentProcess before = AgentProcess.start(args("1s"))) {
                try (AutoCloseable installed = installPreload(hider)) {
                    JsonNode hidden = before.await("Process hidden from /proc", a -> event(a).path("pid").asLong() == mining.pid());
                    assertEquals("listing", event(hidden).path("integrity_subject").asText(), hidden.toString());
                    JsonNode preload = before.await("Preloaded library hides processes or files",
                            a -> event(a).path("integrity_subject").asText().equals(hider.toString()));
                    assertTrue(event(preload).path("integrity_symbols").toString().contains("readdir"), preload.toString());
                    try (AgentProcess after = AgentProcess.start(args("0"))) {
                        assertTrue(Files.readString(Path.of("/proc", Long.toString(after.pid()), "maps")).contains(hider.toString()),
                                "the agent started after the kit carries the hider in its own JVM");
                        JsonNode seen = after.await("Process hidden from /proc", a -> event(a).path("pid").asLong() == mining.pid());
                        assertEquals("vigil-miner", event(seen).path("comm").asText());
                    }
                }
                // the kit is gone: the miner is listed again, and no pass reports it any more
                assertTrue(Files.list(Path.of("/proc")).anyMatch(p -> p.getFileName().toString().equals(Long.toString(mining.pid()))));
            } finally {
                mining.destroy();
                mining.waitFor(10, TimeUnit.SECONDS);
            }
        }
        assertFalse(Files.exists(LD_SO_PRELOAD) && Files.readString(LD_SO_PRELOAD).contains("libvigil-hider"), "ld.so.preload put back");
    }

    @Test
    void aFakeKernelThreadADeletedProgramAndAMountOverProcArefound() throws Exception {
        AgentProcess.requireRoot();
        List<Process> started = new ArrayList<>();
        Path mounted = null;
        try (TempDir kit = TempDir.create("vigil-kit"); AgentProcess agent = AgentProcess.start("--data", kit.path().resolve("data").toString(),
                "--listen", "127.0.0.1:0", "--fold", "0", "--integrity-interval", "1s")) {
            Path sleep = Files.copy(Path.of("/bin/sleep"), kit.path().resolve("sleep"));
            Process fake = new ProcessBuilder("bash", "-c", "exec -a '[kworker/0:9]' " + sleep + " 600").start();
            started.add(fake);
            Path dropper = Files.copy(Path.of("/bin/sleep"), kit.path().resolve("vigil-dropper"), StandardCopyOption.COPY_ATTRIBUTES);
            Process dropped = new ProcessBuilder(dropper.toString(), "600").start();
            started.add(dropped);
            awaitExe(dropped.pid(), dropper.toString());
            Files.delete(dropper);
            Process under = new ProcessBuilder("/bin/sleep", "600").start();
            started.add(under);
            mounted = Path.of("/proc", Long.toString(under.pid()));
            assertEquals(0, new ProcessBuilder("mount", "-t", "tmpfs", "vigil-over-proc", mounted.toString()).start().waitFor());

            JsonNode fakeAlert = agent.await("User process named like a kernel thread", a -> event(a).path("pid").asLong() == fake.pid());
            assertEquals("[kworker/0:9]", event(fakeAlert).path("integrity_subject").asText());
            JsonNode deleted = agent.await("Process running from a deleted executable", a -> event(a).path("pid").asLong() == dropped.pid());
            assertEquals(dropper.toString(), event(deleted).path("integrity_subject").asText());
            JsonNode mount = agent.await("Mount over a process's /proc directory", a -> event(a).path("pid").asLong() == under.pid());
            assertTrue(event(mount).path("integrity_detail").asText().contains("vigil-over-proc"), mount.toString());
            // in the store and the console like any alert, and every check's state in the health
            AgentProcess.ConsoleClient console = agent.console();
            JsonNode graph = console.graphOf("User process named like a kernel thread", "[kworker/0:9]");
            assertTrue(graph.toString().contains(Long.toString(fake.pid())), graph.toString());
            JsonNode health = console.get("/api/health");
            assertEquals(12, health.path("integrity_checks").size(), health.toString());
            assertTrue(health.path("integrity_checks").path("hidden_modules").asText().startsWith("not_runnable: "), health.toString());
            assertTrue(health.path("integrity_passes").asLong() >= 1, health.toString());
        } finally {
            if (mounted != null) {
                new ProcessBuilder("umount", mounted.toString()).start().waitFor();
            }
            for (Process p : started) {
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Waits until the process runs `exe` (it has exec'd), so that deleting the file comes after the start. */
    private static void awaitExe(long pid, String exe) throws Exception {
        for (int i = 0; i < 500; i++) {
            try {
                if (Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe")).toString().equals(exe)) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not exec'd yet
            }
            Thread.sleep(10);
        }
        throw new AssertionError("pid " + pid + " never ran " + exe);
    }

    @Test
    void anOrdinaryPreloadRaisesNoIntegrityAlertAndAHidingOneDoesAtExec() throws Exception {
        AgentProcess.requireRoot();
        try (AgentProcess agent = AgentProcess.start(args("0"))) {
            ProcessBuilder quiet = new ProcessBuilder("/bin/true", "vigil-quiet-preload");
            quiet.environment().put("LD_PRELOAD", HIDER.resolveSibling("libvigil-quiet.so").toString());
            assertEquals(0, quiet.start().waitFor());
            ProcessBuilder hiding = new ProcessBuilder("/bin/true", "vigil-hiding-preload");
            hiding.environment().put("LD_PRELOAD", HIDER.toString());
            Process marker = hiding.start();
            assertEquals(0, marker.waitFor());
            // the exec check raises the hiding one as it runs; the quiet one ran before it, through the same path
            agent.await("Preloaded library hides processes or files", a -> event(a).path("pid").asLong() == marker.pid());
            List<String> noise = agent.alerts.stream().filter(a -> a.path("tags").toString().contains("integrity")
                    && a.toString().contains("libvigil-quiet")).map(a -> a.path("output").asText()).toList();
            assertTrue(noise.isEmpty(), noise.toString());
        }
    }
}
