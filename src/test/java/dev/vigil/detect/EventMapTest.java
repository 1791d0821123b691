package dev.vigil.detect;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rules' map of an event behaves as a LinkedHashMap does, whatever is put, replaced or removed. */
class EventMapTest {
    @Test
    void behavesAsALinkedHashMap() {
        Random random = new Random(24);
        for (int round = 0; round < 200; round++) {
            EventMap ours = new EventMap(1 + random.nextInt(64));
            Map<String, Object> theirs = new LinkedHashMap<>();
            for (int op = 0; op < 400; op++) {
                String key = "field_" + random.nextInt(150); // past the initial capacity: it grows
                switch (random.nextInt(6)) {
                    case 0, 1, 2 -> {
                        Object value = random.nextInt(10) == 0 ? null : (Object) (long) random.nextInt(1000);
                        assertEquals(theirs.put(key, value), ours.put(key, value));
                    }
                    case 3 -> assertEquals(theirs.remove(key), ours.remove(key));
                    case 4 -> assertEquals(theirs.containsKey(key), ours.containsKey(key));
                    default -> assertEquals(theirs.get(key), ours.get(key));
                }
            }
            assertEquals(theirs, ours);
            assertEquals(new ArrayList<>(theirs.keySet()), new ArrayList<>(ours.keySet()), "in the order put");
            assertEquals(theirs.hashCode(), ours.hashCode());
            ours.entrySet().removeIf(e -> e.getKey().endsWith("7"));
            theirs.entrySet().removeIf(e -> e.getKey().endsWith("7"));
            assertEquals(theirs, ours);
        }
        assertNull(new EventMap(8).get(42), "a key that is no string is absent");
    }

    @Test
    void aDeferredValueIsMadeOnceWhenFirstRead() {
        AtomicInteger made = new AtomicInteger();
        EventMap m = new EventMap(4);
        m.put("event", "execve");
        m.put("pid_tree", new EventMap.Deferred(() -> "1.init<" + made.incrementAndGet()));
        assertEquals(0, made.get(), "not made while nobody reads it");
        assertTrue(m.containsKey("pid_tree"));
        assertEquals("1.init<1", m.get("pid_tree"));
        assertEquals("1.init<1", m.get("pid_tree"));
        assertEquals(Map.of("event", "execve", "pid_tree", "1.init<1"), new LinkedHashMap<>(m), "copies see the value");
        assertEquals(1, made.get());
        m.clear();
        assertTrue(m.isEmpty());
        assertFalse(m.containsKey("event"));
        assertEquals(List.of(), new ArrayList<>(m.values()));
    }
}
