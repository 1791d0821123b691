package dev.vigil.sensor;

import dev.vigil.event.EventType;
import dev.vigil.event.TaskEvent;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** task.bpf.c: ptrace, prctl, setsid, kill/tkill/tgkill, nanosleep, mprotect. */
class TaskBpfTest {
    @Test
    void ptracePokeIntoAChild() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered t = LiveSensor.trigger("ptrace-poke");
        int child = t.outInt(0);
        var poke = (TaskEvent.Ptrace) s.await("ptrace POKETEXT", e -> e.type() == EventType.PTRACE && e.header().pid() == t.pid()
                && ((TaskEvent.Ptrace) e).request() == 4);
        assertEquals(child, poke.targetPid());
        assertEquals(0x4141414141414141L, poke.data());
        assertTrue(poke.pidTree().elkeid().startsWith(t.pid() + ".trigger"));
        s.await("ptrace TRACEME", e -> e.type() == EventType.PTRACE && e.header().pid() == child && ((TaskEvent.Ptrace) e).request() == 0);
    }

    @Test
    void prctlSetName() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered t = LiveSensor.trigger("prctl", "kworker/0:1");
        var e = (TaskEvent.Prctl) s.await("prctl", ev -> ev.type() == EventType.PRCTL && ev.header().pid() == t.pid());
        assertEquals(15, e.option());
        assertEquals("kworker/0:1", e.newName());
    }

    @Test
    void setsidInAChild() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered t = LiveSensor.trigger("setsid");
        int child = t.outInt(0);
        TaskEvent e = (TaskEvent) s.await("setsid", ev -> ev.type() == EventType.SETSID && ev.header().pid() == child);
        assertEquals(child, e.header().res());
    }

    @Test
    void signals() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered t = LiveSensor.trigger("signals");
        int child = t.outInt(0);
        var kill = (TaskEvent.Signal) s.await("kill", e -> e.type() == EventType.KILL && e.header().pid() == t.pid());
        assertEquals(child, kill.targetPid());
        assertEquals(15, kill.sig());
        var tkill = (TaskEvent.Signal) s.await("tkill", e -> e.type() == EventType.TKILL && e.header().pid() == t.pid());
        assertEquals(child, tkill.targetPid());
        var tgkill = (TaskEvent.ThreadSignal) s.await("tgkill", e -> e.type() == EventType.TGKILL && e.header().pid() == t.pid());
        assertEquals(child, tgkill.tgid());
        assertEquals(child, tgkill.tid());
    }

    @Test
    void nanosleepAndMprotectExec() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered sleep = LiveSensor.trigger("sleep");
        var n = (TaskEvent.Sleep) s.await("nanosleep", e -> e.type() == EventType.NANOSLEEP && e.header().pid() == sleep.pid());
        assertEquals(0, n.sec());
        assertEquals(1234567, n.nsec());
        LiveSensor.Triggered mp = LiveSensor.trigger("mprotect");
        var m = (TaskEvent.Mprotect) s.await("mprotect", e -> e.type() == EventType.MPROTECT && e.header().pid() == mp.pid());
        assertEquals(5, m.prot());
        assertEquals(4096, m.len());
    }
}
