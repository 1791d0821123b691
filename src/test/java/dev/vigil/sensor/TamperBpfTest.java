package dev.vigil.sensor;

import dev.vigil.event.EventType;
import dev.vigil.event.TaskEvent;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tamper.bpf.c: what other processes do to the agent, decided in the kernel. Here the agent is
 * this test JVM (the sensor's agent_tgid), so each test acts on this very process, harmlessly.
 */
class TamperBpfTest {
    private static final long SELF = ProcessHandle.current().pid();

    private static TaskEvent.AgentTamper awaitTamper(LiveSensor s, String action, long from) {
        return (TaskEvent.AgentTamper) s.await("agent_tamper " + action + " from " + from, e -> e.type() == EventType.AGENT_TAMPER
                && e.header().pid() == from && ((TaskEvent.AgentTamper) e).action().label().equals(action));
    }

    @Test
    void aSignalToTheAgentNamesItsSender() throws Exception {
        LiveSensor s = LiveSensor.get();
        // SIGCONT and SIGWINCH change nothing for a running JVM; two senders, two syscalls (kill, and tgkill via a thread)
        Process kill = new ProcessBuilder("/bin/kill", "-CONT", String.valueOf(SELF)).start();
        assertEquals(0, kill.waitFor());
        var e = awaitTamper(s, "signal", kill.pid());
        assertEquals(18, e.detail());
        assertEquals(SELF, e.targetPid(), "sent to the process, whose leader thread has the tgid");
        assertTrue(e.pidTree().nodes().size() >= 2 && e.pidTree().nodes().get(1).pid() == SELF, "the sender's ancestry: " + e.pidTree());

        long tid = anotherThreadOfThisProcess();
        LiveSensor.Triggered py = LiveSensor.trigger("tgkill", String.valueOf(SELF), String.valueOf(tid), "28");
        var t = awaitTamper(s, "signal", py.pid());
        assertEquals(28, t.detail());
        assertEquals(tid, t.targetPid(), "tgkill to one thread of the agent");
    }

    @Test
    void aStoppingSignalToAGuardedNameIsReportedNotAContinue() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered t = LiveSensor.trigger("guarded-kill", "osqueryd");
        // the trigger sent SIGCONT first: had it been reported, it would be the first event here
        var e = (TaskEvent.GuardedSignal) s.await("guarded_signal from " + t.pid(),
                ev -> ev.type() == EventType.GUARDED_SIGNAL && ev.header().pid() == t.pid());
        assertEquals(15, e.sig());
        assertEquals(t.outInt(0), e.targetPid());
        assertTrue(e.targetStart() > 0, "the target's identity");
        assertTrue(e.group(), "kill(2) signals the whole group");
    }

    @Test
    void procMemOpenedForWritingByEitherPath() throws Exception {
        LiveSensor s = LiveSensor.get();
        Process viaPid = new ProcessBuilder("/bin/sh", "-c", "exec 3<>/proc/" + SELF + "/mem").start();
        assertEquals(0, viaPid.waitFor());
        var e = awaitTamper(s, "proc_mem_write", viaPid.pid());
        assertEquals("/proc/" + SELF + "/mem", e.file());

        long tid = anotherThreadOfThisProcess();
        Process viaTask = new ProcessBuilder("/bin/sh", "-c", "exec 3<>/proc/" + SELF + "/task/" + tid + "/mem").start();
        assertEquals(0, viaTask.waitFor());
        awaitTamper(s, "proc_mem_write", viaTask.pid());

        // reading another process's maps, or writing our own /proc entries, is not tampering
        Process reader = new ProcessBuilder("/bin/sh", "-c", "cat /proc/" + SELF + "/maps >/dev/null; exec 3<>/proc/self/mem").start();
        assertEquals(0, reader.waitFor());
        s.drain();
        assertEquals(0, s.all(x -> x.type() == EventType.AGENT_TAMPER && x.header().pid() == reader.pid()).size());
    }

    @Test
    void processVmWritevIntoTheAgent() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered t = LiveSensor.trigger("vm-write", String.valueOf(SELF));
        var e = awaitTamper(s, "process_vm_writev", t.pid());
        assertEquals(SELF, e.targetPid());
    }

    private static long anotherThreadOfThisProcess() throws Exception {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.map(p -> Long.parseLong(p.getFileName().toString())).filter(t -> t != SELF).findFirst().orElseThrow();
        }
    }
}
