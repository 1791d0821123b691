package dev.vigil.sensor;

import dev.vigil.event.EventType;
import dev.vigil.event.TaskEvent;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** tunable.bpf.c: /proc/sys entries opened for writing, by sysctl(8) and by a shell redirect (the values written are the current ones). */
class TunableBpfTest {
    private static long run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor(), String.join(" ", cmd));
        return p.pid();
    }

    private static TaskEvent.SysctlWrite await(LiveSensor s, long pid) {
        return (TaskEvent.SysctlWrite) s.await("sysctl_write by " + pid, e -> e.type() == EventType.SYSCTL_WRITE && e.header().pid() == pid);
    }

    @Test
    void sysctlWritesByEitherRoute() throws Exception {
        LiveSensor s = LiveSensor.get();
        String dmesg = Files.readString(Path.of("/proc/sys/kernel/dmesg_restrict")).trim();
        long bySysctl = run("sysctl", "-q", "-w", "kernel.dmesg_restrict=" + dmesg);
        var e = await(s, bySysctl);
        assertEquals("/proc/sys/kernel/dmesg_restrict", e.file());
        assertEquals("kernel.dmesg_restrict", LiveSensor.fields(e).get("sysctl"));

        String kptr = Files.readString(Path.of("/proc/sys/kernel/kptr_restrict")).trim();
        long byShell = run("/bin/sh", "-c", "echo " + kptr + " > /proc/sys/kernel/kptr_restrict");
        assertEquals("kernel.kptr_restrict", LiveSensor.fields(await(s, byShell)).get("sysctl"));

        long reader = run("/bin/sh", "-c", "cat /proc/sys/kernel/randomize_va_space /proc/sys/kernel/core_pattern > /dev/null");
        s.drain();
        assertTrue(s.all(x -> x.type() == EventType.SYSCTL_WRITE && x.header().pid() == reader).isEmpty(), "reading is not writing");
    }
}
