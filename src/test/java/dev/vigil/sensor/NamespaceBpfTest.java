package dev.vigil.sensor;

import dev.vigil.event.Event;
import dev.vigil.event.EventType;
import dev.vigil.event.TaskEvent;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** namespace.bpf.c: isolation changes by unshare, clone, clone3 and setns. */
class NamespaceBpfTest {
    private static Map<String, Object> await(LiveSensor s, long pid, String action) {
        Event e = s.await("namespace " + action + " by " + pid, ev -> ev.type() == EventType.NAMESPACE && ev.header().pid() == pid
                && action.equals(LiveSensor.fields(ev).get("action")));
        return LiveSensor.fields(e);
    }

    private static Process run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertEquals(0, p.waitFor(), String.join(" ", cmd));
        return p;
    }

    @Test
    void unshareCloneAndClone3() throws Exception {
        LiveSensor s = LiveSensor.get();
        Process unshare = run("unshare", "--uts", "--ipc", "/bin/true");
        Map<String, Object> u = await(s, unshare.pid(), "unshare");
        assertEquals("uts ipc", u.get("namespaces"));
        assertEquals(0L, u.get("res"));

        LiveSensor.Triggered t = LiveSensor.trigger("clone-ns");
        Map<String, Object> c = await(s, t.pid(), "clone");
        assertEquals("uts", c.get("namespaces"));
        assertEquals((long) t.outInt(0), c.get("res"), "the parent's result is the child's pid");
        Map<String, Object> c3 = await(s, t.pid(), "clone3");
        assertEquals("mnt", c3.get("namespaces"));
        assertEquals((long) t.outInt(1), c3.get("res"));
        // an ordinary fork is no namespace event
        Process plain = run("/bin/sh", "-c", "/bin/true; /bin/true");
        s.drain();
        assertTrue(s.all(ev -> ev.type() == EventType.NAMESPACE && ev.header().pid() == plain.pid()).isEmpty());
    }

    @Test
    void setnsIntoAnotherProcessNamespace() throws Exception {
        LiveSensor s = LiveSensor.get();
        Process target = new ProcessBuilder("unshare", "--uts", "/bin/sleep", "30").start();
        try {
            // unshare has made its namespace once the program it runs is exec'd
            s.await("unshare's sleep", ev -> ev.type() == EventType.EXECVE && ev.header().pid() == target.pid()
                    && ((dev.vigil.event.ExecEvent) ev).exe().endsWith("/sleep"));
            long nsInode = Long.parseLong(java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/" + target.pid() + "/ns/uts"))
                    .toString().replaceAll("\\D", ""));
            Process nsenter = run("nsenter", "-t", String.valueOf(target.pid()), "--uts", "/bin/true");
            Map<String, Object> e = await(s, nsenter.pid(), "setns");
            assertEquals(nsInode, e.get("ns_inode"), "the namespace joined, by its inode");
            assertTrue(String.valueOf(e.get("file")).startsWith("uts:["), String.valueOf(e.get("file")));
            assertEquals(0L, e.get("res"));
        } finally {
            target.destroy();
        }
    }
}
