package dev.vigil.sensor;

import dev.vigil.event.EventType;
import dev.vigil.event.FileEvent;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** mount.bpf.c: a mount in a private namespace. */
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
}
