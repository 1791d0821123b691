package dev.vigil.sensor;

import dev.vigil.event.EventType;
import dev.vigil.event.ExecEvent;
import dev.vigil.event.TaskEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** memory.bpf.c: another process's memory, by process_vm_* and by /proc/PID/{mem,environ,maps}, decided from the procfs inode. */
class MemoryBpfTest {
    private Process victim;
    private long victimStart;

    @BeforeEach
    void startVictim() throws Exception {
        LiveSensor s = LiveSensor.get();
        victim = new ProcessBuilder("/bin/sleep", "60").start();
        ExecEvent exec = (ExecEvent) s.await("exec of the victim", e -> e instanceof ExecEvent x && x.header().pid() == victim.pid());
        victimStart = exec.header().startTime();
    }

    @AfterEach
    void stopVictim() {
        victim.destroy();
    }

    private static TaskEvent.ProcessMemory await(LiveSensor s, long from, String access) {
        return (TaskEvent.ProcessMemory) s.await("process_memory " + access + " from " + from, e -> e.type() == EventType.PROCESS_MEMORY
                && e.header().pid() == from && ((TaskEvent.ProcessMemory) e).access().label().equals(access));
    }

    private static long sh(String script) throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", script).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor();
        return p.pid();
    }

    @Test
    void processVmWritevAndReadv() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered w = LiveSensor.trigger("vm-write", String.valueOf(victim.pid()));
        var e = await(s, w.pid(), "process_vm_writev");
        assertEquals(victim.pid(), e.targetPid());
        assertEquals(-14, e.header().res(), "EFAULT: the remote address was not mapped, and the attempt is still reported");
        assertEquals(Boolean.TRUE, LiveSensor.fields(e).get("write"));
        LiveSensor.Triggered r = LiveSensor.trigger("vm-read", String.valueOf(victim.pid()));
        var read = await(s, r.pid(), "process_vm_readv");
        assertEquals(Boolean.FALSE, LiveSensor.fields(read).get("write"));
    }

    /** A tracer's process_vm_readv at every call it decodes: sent memory_repeats times per target in a window, then counted as folded. */
    @Test
    void repeatedReadsOfOneTargetAreFoldedAndCounted() {
        LiveSensor s = LiveSensor.get();
        long foldedBefore = s.stream().losses().folded();
        LiveSensor.Triggered r = LiveSensor.trigger("vm-read", String.valueOf(victim.pid()), "50");
        s.await("the read of another target after the repeats", ev -> ev.type() == EventType.PROCESS_MEMORY && ev.header().pid() == r.pid()
                && ((TaskEvent.ProcessMemory) ev).targetPid() != victim.pid());
        var reads = s.all(ev -> ev.type() == EventType.PROCESS_MEMORY && ev.header().pid() == r.pid()
                && ((TaskEvent.ProcessMemory) ev).targetPid() == victim.pid());
        assertEquals(SensorOptions.MEMORY_REPEATS, reads.size(), "the first reads, then none");
        assertEquals(50 - SensorOptions.MEMORY_REPEATS, s.stream().losses().folded() - foldedBefore, "the rest counted as folded");
    }

    @Test
    void procFilesOfAnotherProcessByEitherPath() throws Exception {
        LiveSensor s = LiveSensor.get();
        long cat = sh("exec cat /proc/" + victim.pid() + "/environ > /dev/null");
        var env = await(s, cat, "proc_open");
        assertEquals("/proc/" + victim.pid() + "/environ", env.file());
        assertEquals(victim.pid(), env.targetPid());
        assertEquals(victimStart, env.targetStart(), "the target's identity comes from the kernel, not the pid alone");
        assertEquals(Boolean.FALSE, LiveSensor.fields(env).get("write"));

        long writer = sh("exec 3<>/proc/" + victim.pid() + "/mem");
        var mem = await(s, writer, "proc_open");
        assertEquals(Boolean.TRUE, LiveSensor.fields(mem).get("write"));

        long tid;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + victim.pid() + "/task"))) {
            tid = tasks.map(p -> Long.parseLong(p.getFileName().toString())).findFirst().orElseThrow();
        }
        long viaTask = sh("exec cat /proc/" + victim.pid() + "/task/" + tid + "/maps > /dev/null");
        var maps = await(s, viaTask, "proc_open");
        assertEquals(victim.pid(), maps.targetPid());
        assertTrue(maps.file().endsWith("/task/" + tid + "/maps"), maps.file());

        // a process reading its own maps, and files in /proc that hold no memory, are not reported
        long own = sh("exec cat /proc/self/maps /proc/" + victim.pid() + "/status > /dev/null");
        s.drain();
        assertFalse(s.all(x -> x.type() == EventType.PROCESS_MEMORY && x.header().pid() == own).iterator().hasNext());
    }
}
