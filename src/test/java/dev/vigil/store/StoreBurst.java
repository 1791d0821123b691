package dev.vigil.store;

import java.nio.file.Path;
import java.time.Duration;

/** Test helper: writes events into a store as fast as it can and prints how many were committed, until killed. */
public final class StoreBurst {
    private StoreBurst() {}

    public static void main(String[] args) throws Exception {
        Store store = Store.open(Path.of(args[0]));
        StoreWriter w = new StoreWriter(store, Duration.ofDays(7), 1L << 30);
        long now = System.currentTimeMillis() * 1_000_000L;
        for (long i = 0; ; i++) {
            w.event(StoreTest.exec(now + i, 100 + i % 30_000, i, "sh"));
            if (i % 1000 == 0) {
                System.out.println("written " + w.written());
                System.out.flush();
                while (w.lag() > 10_000) {
                    Thread.sleep(1);
                }
            }
        }
    }
}
