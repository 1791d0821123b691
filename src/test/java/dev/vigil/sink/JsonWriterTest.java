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

    /**
     * Field names are escaped once and kept (every event repeats its type's names): a hostile name
     * comes out escaped every time, names that share a slot stay apart, and a long one is not kept.
     */
    @Test
    void keptNamesComeOutAsEscapedAsNew() throws Exception {
        String hostile = "k\"<\n", other = "Aa", sameHash = "BB"; // "Aa" and "BB" hash alike
        String longName = "n".repeat(100) + "\u001b";
        JsonWriter w = new JsonWriter();
        for (int round = 0; round < 3; round++) {
            w.begin();
            w.field(hostile, 1);
            w.field(other, 2);
            w.field(sameHash, 3);
            w.field(longName, 4);
            w.field(new String(hostile.toCharArray()), "x"); // an equal name, another string: as a recording's map gives it
            String json = w.end().toString();
            assertEquals("{\"k\\\"\\u003c\\n\":1,\"Aa\":2,\"BB\":3,\"" + "n".repeat(100) + "\\u001b\":4,\"k\\\"\\u003c\\n\":\"x\"}",
                    json, "round " + round);
            JsonNode n = new ObjectMapper().readTree(json);
            assertEquals(2, n.get("Aa").asInt());
            assertEquals(3, n.get("BB").asInt());
        }
    }

    @Test
    void validUtf8IsKeptAsIs() {
        String s = Text.decode("é中🙂".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, "é中🙂".getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        assertEquals("é中🙂", s);
        JsonWriter w = new JsonWriter().begin();
        w.field("x", s);
        assertEquals("{\"x\":\"é中🙂\"}", w.end().toString());
    }

    /** Every kind of character, alone, in runs and mixed: the JSON reads back as the text, and holds nothing raw that must be escaped. */
    @Test
    void everyCharacterRoundTripsAndNothingUnsafeIsLeftRaw() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        char[] tricky = {'a', ' ', '"', '\\', '<', '>', '&', '\n', '\r', '\t', 0, 0x1b, 0x7f, 0x85, 0x9f, 0xa0, 'é', 0x2028, 0x2029,
                0xd83d, 0xde42, 0xdcff, 0xd800, 0xffff};
        java.util.Random random = new java.util.Random(7);
        for (int round = 0; round < 5000; round++) {
            StringBuilder sb = new StringBuilder();
            int len = random.nextInt(12);
            for (int i = 0; i < len; i++) {
                sb.append(random.nextInt(3) == 0 ? "plain text " : String.valueOf(tricky[random.nextInt(tricky.length)]));
            }
            String text = sb.toString();
            JsonWriter w = new JsonWriter().begin();
            w.field("x", text);
            String out = w.end().toString();
            for (int i = 0; i < out.length(); i++) {
                char c = out.charAt(i);
                assertFalse(c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029
                        || (c >= 0x80 && c < 0xa0), "raw U+" + Integer.toHexString(c) + " in " + out);
                if (Character.isHighSurrogate(c)) {
                    assertTrue(i + 1 < out.length() && Character.isLowSurrogate(out.charAt(++i)), "a lone surrogate left raw in " + out);
                } else {
                    assertFalse(Character.isLowSurrogate(c), "a lone surrogate left raw in " + out);
                }
            }
            assertEquals(text, json.readTree(out).get("x").asText(), out);
        }
    }
}
