package dev.vigil.sensor;

import dev.vigil.event.EventType;
import dev.vigil.event.FileEvent;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** mount.bpf.c: mount in a private namespace, memfd_create, a refused finit_module. */
class MountBpfTest {
    @Test
    void tmpfsMountInAPrivateNamespace() throws Exception {
        LiveSensor s = LiveSensor.get();
        Path dir = Files.createTempDirectory("vigil-mnt");
        LiveSensor.Triggered t = LiveSensor.trigger("mount-tmpfs", dir.toString());
        FileEvent e = (FileEvent) s.await("mount", ev -> ev.type() == EventType.MOUNT && ev.header().pid() == t.pid()
                && "tmpfs".equals(((FileEvent) ev).extra()));
        assertEquals(dir.toString(), e.path());
        assertEquals("vigil-tmpfs", e.path2());
        assertEquals(0, e.header().res());
        assertTrue(e.pidTree().elkeid().startsWith(t.pid() + ".trigger"));
    }

    @Test
    void memfdCreate() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered t = LiveSensor.trigger("memfd-exec");
        FileEvent e = (FileEvent) s.await("memfd_create", ev -> ev.type() == EventType.MEMFD_CREATE && ev.header().pid() == t.pid());
        assertEquals("vigil-memfd", e.path());
        assertTrue(e.header().res() >= 0);
    }

    @Test
    void refusedModuleLoadIsStillReported() throws Exception {
        LiveSensor s = LiveSensor.get();
        Path ko = Files.createTempFile("vigil-bogus", ".ko");
        Files.writeString(ko, "not a module");
        LiveSensor.Triggered t = LiveSensor.trigger("finit-module", ko.toString());
        FileEvent e = (FileEvent) s.await("load_module", ev -> ev.type() == EventType.LOAD_MODULE && ev.header().pid() == t.pid());
        assertEquals(ko.toString(), e.path());
        assertTrue(e.header().res() < 0, "refused: " + e.header().res());
        assertEquals(-t.outInt(1), e.header().res());
    }
}
