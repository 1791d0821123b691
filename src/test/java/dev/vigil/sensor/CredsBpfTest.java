package dev.vigil.sensor;

import dev.vigil.event.CredEvent;
import dev.vigil.event.EventType;
import dev.vigil.event.TaskEvent;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** creds.bpf.c: a uid 65534 -> 0 transition through setresuid. */
class CredsBpfTest {
    @Test
    void setresuidToRootIsReported() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered t = LiveSensor.trigger("setresuid");
        TaskEvent e = (TaskEvent) s.await("update_cred", ev -> ev.type() == EventType.UPDATE_CRED && ev.header().pid() == t.pid());
        assertEquals(65534, e.arg0());
        assertEquals(0, e.header().uid());
        assertTrue(e.pidTree().elkeid().startsWith(t.pid() + ".trigger<"), e.pidTree().elkeid());
        // The transition is explained, so it is not a privilege escalation.
        assertTrue(s.all(ev -> ev.type() == EventType.PRIVILEGE_ESCALATION && ev.header().pid() == t.pid()).isEmpty());
    }

    @Test
    void unexplainedRootCredentialsAreAPrivilegeEscalation() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered t = LiveSensor.trigger("privesc-shape");
        int child = t.outInt(0);
        CredEvent e = (CredEvent) s.await("privilege_escalation", ev -> ev.type() == EventType.PRIVILEGE_ESCALATION
                && ev.header().pid() == child);
        assertEquals(t.pid(), e.parentPid());
        assertTrue(e.parentCred().startsWith("65534|65534|65534|65534|"), e.parentCred());
        assertTrue(e.cred().startsWith("0|0|0|0|"), e.cred());
        assertEquals(1, s.all(ev -> ev.type() == EventType.PRIVILEGE_ESCALATION && ev.header().pid() == child).size(),
                "reported once per process");
    }
}
