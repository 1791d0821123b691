package dev.vigil.sensor;

import dev.vigil.event.EventType;
import dev.vigil.event.FileEvent;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** memfd.bpf.c: memfd_create. */
class MemfdBpfTest {
    @Test
    void memfdCreate() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered t = LiveSensor.trigger("memfd-exec");
        FileEvent e = (FileEvent) s.await("memfd_create", ev -> ev.type() == EventType.MEMFD_CREATE && ev.header().pid() == t.pid());
        assertEquals("vigil-memfd", e.path());
        assertTrue(e.header().res() >= 0);
    }
}
