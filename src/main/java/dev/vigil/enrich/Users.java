package dev.vigil.enrich;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** uid to user name from /etc/passwd, re-read at most every 10 s when a uid is unknown. */
public final class Users {
    private final Path passwd;
    private volatile Map<Integer, String> names = Map.of();
    private long loadedAt;

    public Users(Path passwd) {
        this.passwd = passwd;
        reload();
    }

    public String name(int uid) {
        String n = names.get(uid);
        if (n == null && System.nanoTime() - loadedAt > 10_000_000_000L) {
            reload();
            n = names.get(uid);
        }
        return n == null ? "" : n;
    }

    private synchronized void reload() {
        Map<Integer, String> m = new HashMap<>();
        try {
            for (String line : Files.readAllLines(passwd)) {
                String[] f = line.split(":");
                if (f.length > 2) {
                    try {
                        m.putIfAbsent(Integer.parseInt(f[2]), f[0]);
                    } catch (NumberFormatException ignored) {
                        // a malformed line
                    }
                }
            }
        } catch (IOException unreadable) {
            // names stay unknown
        }
        names = Map.copyOf(m);
        loadedAt = System.nanoTime();
    }
}
