package dev.vigil.inject.boot;

/**
 * The one class of Vigil's RASP the application can see: on the bootstrap class path, so that a
 * hooked method of any class loader can call it. Each hook's first instruction calls
 * {@link #enter}; everything else (what to report, whether to block) lives in Vigil's own class
 * loader behind {@link Handler}. A hook that fails is counted here and changes nothing the
 * application sees; only a rule's block throws, and then the exception the hooked API declares.
 */
public final class Dispatch {
    private Dispatch() {}

    /** What the hooks call while Vigil is attached; null when it is not (then a hook costs a volatile read). */
    public interface Handler {
        /** Null to let the call run, else the exception the hooked call throws instead (a block). */
        Throwable enter(int hook, Object self, Object[] args);
    }

    private static volatile Handler handler;
    /** Events a RASP dropped before it was replaced (Vigil attached again after it was gone): counted on by the next. */
    public static final java.util.concurrent.atomic.AtomicLong droppedBefore = new java.util.concurrent.atomic.AtomicLong();
    /** Calls whose handler threw: the call ran as if unhooked. */
    private static final java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();
    /** A hooked call made while this thread is inside a handler (its own I/O, class loading) is not reported. */
    private static final ThreadLocal<boolean[]> inside = new ThreadLocal<boolean[]>() {
        @Override
        protected boolean[] initialValue() {
            return new boolean[1];
        }
    };

    public static void enter(int hook, Object self, Object[] args) {
        Handler h = handler;
        if (h == null) {
            return;
        }
        boolean[] in = inside.get();
        if (in[0]) {
            return;
        }
        Throwable block;
        in[0] = true;
        try {
            block = h.enter(hook, self, args);
        } catch (Throwable failed) {
            failures.incrementAndGet();
            return;
        } finally {
            in[0] = false;
        }
        if (block != null) {
            Dispatch.<RuntimeException>raise(block);
        }
    }

    /** Throws any exception, checked or not: the hooked method declares it, the bytecode calling this does not need to. */
    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void raise(Throwable t) throws T {
        throw (T) t;
    }

    public static Handler handler() {
        return handler;
    }

    public static void handler(Handler h) {
        handler = h;
    }

    public static long failures() {
        return failures.get();
    }
}
