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
        TaskEvent poke = (TaskEvent) s.await("ptrace POKETEXT", e -> e.type() == EventType.PTRACE && e.header().pid() == t.pid()
                && ((TaskEvent) e).arg0() == 4);
        assertEquals(child, poke.arg1());
        assertEquals(0x4141414141414141L, poke.arg3());
        assertTrue(poke.pidTree().elkeid().startsWith(t.pid() + ".trigger"));
        s.await("ptrace TRACEME", e -> e.type() == EventType.PTRACE && e.header().pid() == child && ((TaskEvent) e).arg0() == 0);
    }

    @Test
    void prctlSetName() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered t = LiveSensor.trigger("prctl", "kworker/0:1");
        TaskEvent e = (TaskEvent) s.await("prctl", ev -> ev.type() == EventType.PRCTL && ev.header().pid() == t.pid());
        assertEquals(15, e.arg0());
        assertEquals("kworker/0:1", e.text());
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
        TaskEvent kill = (TaskEvent) s.await("kill", e -> e.type() == EventType.KILL && e.header().pid() == t.pid());
        assertEquals(child, kill.arg0());
        assertEquals(15, kill.arg1());
        TaskEvent tkill = (TaskEvent) s.await("tkill", e -> e.type() == EventType.TKILL && e.header().pid() == t.pid());
        assertEquals(child, tkill.arg0());
        TaskEvent tgkill = (TaskEvent) s.await("tgkill", e -> e.type() == EventType.TGKILL && e.header().pid() == t.pid());
        assertEquals(child, tgkill.arg0());
        assertEquals(child, tgkill.arg2());
    }

    @Test
    void nanosleepAndMprotectExec() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered sleep = LiveSensor.trigger("sleep");
        TaskEvent n = (TaskEvent) s.await("nanosleep", e -> e.type() == EventType.NANOSLEEP && e.header().pid() == sleep.pid());
        assertEquals(0, n.arg0());
        assertEquals(1234567, n.arg1());
        LiveSensor.Triggered mp = LiveSensor.trigger("mprotect");
        TaskEvent m = (TaskEvent) s.await("mprotect", e -> e.type() == EventType.MPROTECT && e.header().pid() == mp.pid());
        assertEquals(5, m.arg0());
        assertEquals(4096, m.arg2());
    }
}
