package dev.vigil.sensor;

import dev.vigil.event.EventType;
import dev.vigil.event.ExecEvent;
import dev.vigil.event.PidTree;
import dev.vigil.event.UsbEvent;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 610 through the real uevent netlink socket, and 607 through a real usermode helper. This VM has
 * no USB bus, so the test asks the kernel to re-announce /dev/null (subsystem "mem", which the
 * test sensor also listens for): the same socket and parsing a USB device goes through.
 */
class UeventTest {
    @Test
    void ueventBroadcastBecomesAnEvent() throws Exception {
        LiveSensor s = LiveSensor.get();
        Files.writeString(Path.of("/sys/devices/virtual/mem/null/uevent"), "change");
        UsbEvent e = (UsbEvent) s.await("uevent", ev -> ev instanceof UsbEvent u && u.devpath().equals("/devices/virtual/mem/null"));
        assertEquals("change", e.action());
        assertEquals("mem", e.subsystem());
    }

    @Test
    void coreDumpPipeRunsAUsermodeHelper() throws Exception {
        LiveSensor s = LiveSensor.get();
        Path pattern = Path.of("/proc/sys/kernel/core_pattern");
        String saved = Files.readString(pattern).trim();
        try {
            Files.writeString(pattern, "|/bin/true vigil-umh %p");
            Process p = new ProcessBuilder("/bin/sh", "-c", "ulimit -c unlimited; kill -SEGV $$").start();
            p.waitFor();
            ExecEvent e = (ExecEvent) s.await("usermode helper exec", ev -> ev instanceof ExecEvent x && x.parentKthread()
                    && x.args().contains("vigil-umh"));
            assertEquals("/usr/bin/true", e.exe());
            PidTree.Node up = e.pidTree().nodes().get(1);
            String parent = up.pid() + "." + up.comm();
            assertTrue(parent.matches("2\\.kthreadd|\\d+\\.kworker.*"), "the kernel started it: " + e.pidTree().elkeid());
            assertEquals(EventType.USERMODEHELPER, e.asUsermodeHelper().type());
        } finally {
            Files.writeString(pattern, saved);
        }
    }
}
