package dev.vigil.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.event.Text;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonWriterTest {
    @Test
    void hostileTextStaysOneLineOfValidJson() throws Exception {
        byte[] raw = {'a', '\n', 0x1b, '[', '3', '1', 'm', '<', 's', '>', '"', '\\', (byte) 0xff, (byte) 0xc3, (byte) 0xa9};
        String s = Text.decode(raw, 0, raw.length);
        JsonWriter w = new JsonWriter().begin();
        w.field("argv", s);
        w.field("args", List.of(s, "plain"));
        String json = w.end().toString();
        assertFalse(json.contains("\n"));
        assertFalse(json.contains("\u001b"));
        assertFalse(json.contains("<"));
        assertTrue(json.contains("\\udcff"), json);
        JsonNode n = new ObjectMapper().readTree(json);
        assertEquals(s, n.get("argv").asText());
        assertArrayEquals(raw, Text.encode(n.get("args").get(0).asText()));
    }

    @Test
    void validUtf8IsKeptAsIs() {
        String s = Text.decode("é中🙂".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, "é中🙂".getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        assertEquals("é中🙂", s);
        JsonWriter w = new JsonWriter().begin();
        w.field("x", s);
        assertEquals("{\"x\":\"é中🙂\"}", w.end().toString());
    }
}
