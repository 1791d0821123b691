package dev.vigil.sensor;

import dev.vigil.event.EventType;
import dev.vigil.event.FileEvent;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** module.bpf.c: a refused finit_module is still reported, with its file and result. */
class ModuleBpfTest {
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
