package dev.vigil.detect;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * An event's fields as the rules read them, in the order they were put. Built once per event, so
 * built cheaply: three arrays instead of a node per field (an exec has about sixty), and values
 * that cost something to build (the ancestry as nodes, Elkeid's pid_tree string) made when first
 * read, which for most events is never.
 */
final class EventMap extends AbstractMap<String, Object> {
    /** A value made when first read (and kept). */
    static final class Deferred {
        private final Supplier<Object> make;

        Deferred(Supplier<Object> make) {
            this.make = make;
        }
    }

    private String[] keys;
    private Object[] values;
    /** Open addressing over the keys: index + 1, 0 for an empty slot; twice as long as `keys` at least. */
    private int[] slots;
    private int size;

    EventMap(int expected) {
        int capacity = Math.max(8, expected);
        keys = new String[capacity];
        values = new Object[capacity];
        slots = new int[Integer.highestOneBit(capacity * 2 - 1) << 1];
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public boolean containsKey(Object key) {
        return indexOf(key) >= 0;
    }

    @Override
    public Object get(Object key) {
        int i = indexOf(key);
        return i < 0 ? null : value(i);
    }

    @Override
    public Object put(String key, Object value) {
        Objects.requireNonNull(key, "key");
        int i = indexOf(key);
        if (i >= 0) {
            Object old = value(i);
            values[i] = value;
            return old;
        }
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, size * 2);
            values = Arrays.copyOf(values, size * 2);
            slots = new int[slots.length * 2];
            for (int k = 0; k < size; k++) {
                place(keys[k], k);
            }
        }
        keys[size] = key;
        values[size] = value;
        place(key, size);
        size++;
        return null;
    }

    @Override
    public Object remove(Object key) {
        int i = indexOf(key);
        if (i < 0) {
            return null;
        }
        Object old = value(i);
        removeAt(i);
        return old;
    }

    @Override
    public void clear() {
        Arrays.fill(keys, 0, size, null);
        Arrays.fill(values, 0, size, null);
        Arrays.fill(slots, 0);
        size = 0;
    }

    @Override
    public Set<Map.Entry<String, Object>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public Iterator<Map.Entry<String, Object>> iterator() {
                return new Iterator<>() {
                    private int next, last = -1;

                    @Override
                    public boolean hasNext() {
                        return next < size;
                    }

                    @Override
                    public Map.Entry<String, Object> next() {
                        if (next >= size) {
                            throw new NoSuchElementException();
                        }
                        last = next++;
                        return new Entry(last);
                    }

                    @Override
                    public void remove() {
                        if (last < 0) {
                            throw new IllegalStateException();
                        }
                        removeAt(last);
                        next = last;
                        last = -1;
                    }
                };
            }
        };
    }

    /** One field, read and written through to the map. */
    private final class Entry implements Map.Entry<String, Object> {
        private final int at;

        Entry(int at) {
            this.at = at;
        }

        @Override
        public String getKey() {
            return keys[at];
        }

        @Override
        public Object getValue() {
            return value(at);
        }

        @Override
        public Object setValue(Object value) {
            Object old = value(at);
            values[at] = value;
            return old;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Map.Entry<?, ?> e && getKey().equals(e.getKey()) && Objects.equals(getValue(), e.getValue());
        }

        @Override
        public int hashCode() {
            return getKey().hashCode() ^ Objects.hashCode(getValue());
        }

        @Override
        public String toString() {
            return getKey() + "=" + getValue();
        }
    }

    private Object value(int i) {
        Object v = values[i];
        if (v instanceof Deferred d) {
            v = d.make.get();
            values[i] = v;
        }
        return v;
    }

    private int indexOf(Object key) {
        if (!(key instanceof String name)) {
            return -1;
        }
        int mask = slots.length - 1;
        // through String, not Object: the first tier of the JIT binds the calls directly instead of through the vtable
        for (int s = spread(name.hashCode()) & mask; ; s = (s + 1) & mask) {
            int at = slots[s] - 1;
            if (at < 0) {
                return -1;
            }
            String k = keys[at];
            if (k == name || k.equals(name)) {
                return at;
            }
        }
    }

    private void place(String key, int at) {
        int mask = slots.length - 1;
        int s = spread(key.hashCode()) & mask;
        while (slots[s] != 0) {
            s = (s + 1) & mask;
        }
        slots[s] = at + 1;
    }

    private void removeAt(int i) {
        System.arraycopy(keys, i + 1, keys, i, size - i - 1);
        System.arraycopy(values, i + 1, values, i, size - i - 1);
        size--;
        keys[size] = null;
        values[size] = null;
        Arrays.fill(slots, 0);
        for (int k = 0; k < size; k++) {
            place(keys[k], k);
        }
    }

    private static int spread(int h) {
        return h ^ (h >>> 16);
    }
}
