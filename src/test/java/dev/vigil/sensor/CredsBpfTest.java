package dev.vigil.sensor;

import dev.vigil.event.CredEvent;
import dev.vigil.event.EventType;
import dev.vigil.event.TaskEvent;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** creds.bpf.c: set*uid to root (granted and refused), capset, userfaultfd, BPF loads; file capabilities; capabilities at exec. */
class CredsBpfTest {
    @Test
    void setresuidToRootIsReported() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered t = LiveSensor.trigger("setresuid");
        var e = (TaskEvent.UpdateCred) s.await("update_cred", ev -> ev.type() == EventType.UPDATE_CRED && ev.header().pid() == t.pid());
        assertEquals(65534, e.oldUid());
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

    private static Process asNobody(String... args) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                java.nio.file.Path.of("target/test-bin/trigger").toAbsolutePath().toString()));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertEquals(0, p.waitFor());
        return p;
    }

    @Test
    void aRefusedRequestForRootIsReportedWithItsResult() throws Exception {
        LiveSensor s = LiveSensor.get();
        Process p = asNobody("ask-root");
        s.drain();
        var refused = s.all(ev -> ev.type() == EventType.UPDATE_CRED && ev.header().pid() == p.pid());
        assertEquals(2, refused.size(), "setuid(0) and setresuid(0,0,0), both refused");
        for (var ev : refused) {
            assertEquals(-1, ev.header().res(), "EPERM");
            assertEquals(65534, ((TaskEvent.UpdateCred) ev).oldUid());
        }
    }

    @Test
    void capsetUserfaultfdAndBpfLoads() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered c = LiveSensor.trigger("capset");
        TaskEvent capset = (TaskEvent) s.await("capset", ev -> ev.type() == EventType.CAPSET && ev.header().pid() == c.pid());
        assertEquals(0, capset.header().res());
        String effective = (String) LiveSensor.fields(capset).get("cap_effective");
        assertTrue(effective.contains("CAP_SYS_ADMIN") && !effective.contains("CAP_NET_RAW"), effective);
        assertTrue(((String) LiveSensor.fields(capset).get("cap_permitted")).contains("CAP_NET_RAW"));

        LiveSensor.Triggered u = LiveSensor.trigger("userfaultfd");
        TaskEvent uffd = (TaskEvent) s.await("userfaultfd", ev -> ev.type() == EventType.USERFAULTFD && ev.header().pid() == u.pid());
        assertTrue(uffd.header().res() >= 0);

        LiveSensor.Triggered b = LiveSensor.trigger("bpf-load");
        var load = (TaskEvent.BpfLoad) s.await("bpf_load", ev -> ev.type() == EventType.BPF_LOAD && ev.header().pid() == b.pid());
        assertEquals(1, load.progType(), "BPF_PROG_TYPE_SOCKET_FILTER");
        assertEquals("vigil_probe", load.progName());
        assertTrue(load.header().res() >= 0);
    }

    @Test
    void fileCapabilitiesByPathAndByFd() throws Exception {
        LiveSensor s = LiveSensor.get();
        java.nio.file.Path f = java.nio.file.Files.createTempFile("vigil-caps", ".bin");
        LiveSensor.Triggered t = LiveSensor.trigger("setcap", f.toString());
        s.drain();
        var both = s.all(ev -> ev.type() == EventType.FILE_CAPS && ev.header().pid() == t.pid());
        assertEquals(2, both.size(), "setxattr and fsetxattr");
        for (var ev : both) {
            assertEquals(f.toString(), ((dev.vigil.event.FileEvent) ev).path());
            assertEquals(0, ev.header().res());
        }
    }

    @Test
    void execCarriesTheCapabilitiesOfTheNewProgram() throws Exception {
        LiveSensor s = LiveSensor.get();
        Process root = new ProcessBuilder("/bin/true").start();
        root.waitFor();
        var asRoot = (dev.vigil.event.ExecEvent) s.await("exec as root", ev -> ev instanceof dev.vigil.event.ExecEvent x
                && x.header().pid() == root.pid());
        assertTrue(((String) LiveSensor.fields(asRoot).get("cap_effective")).contains("CAP_SYS_ADMIN"));
        Process nobody = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/bin/true").start();
        nobody.waitFor();
        var unprivileged = (dev.vigil.event.ExecEvent) s.await("exec as nobody", ev -> ev instanceof dev.vigil.event.ExecEvent x
                && x.header().pid() == nobody.pid() && x.exe().endsWith("/true"));
        assertEquals("", LiveSensor.fields(unprivileged).get("cap_effective"));
    }
}
