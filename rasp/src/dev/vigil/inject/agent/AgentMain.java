package dev.vigil.inject.agent;

import java.io.Closeable;
import java.io.File;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.jar.JarFile;

/**
 * What the JVM runs when Vigil attaches (the jar's Agent-Class). The only class of Vigil's on the
 * application's class path, and it does three things: puts the hook dispatcher on the bootstrap
 * path, loads the rest of the RASP (and its ASM) in a class loader of its own that no application
 * loader can reach, and hands over. Options: {@code detach}, or the core's {@code key=value;...}.
 */
public final class AgentMain {
    private AgentMain() {}

    private static final String DISPATCH = "dev.vigil.inject.boot.Dispatch";

    public static void agentmain(String options, Instrumentation inst) throws Exception {
        File dir = new File(AgentMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParentFile();
        if (!onBootPath()) {
            inst.appendToBootstrapClassLoaderSearch(new JarFile(new File(dir, "vigil-rasp-boot.jar")));
        }
        Class<?> dispatch = Class.forName(DISPATCH, true, null);
        Object running = dispatch.getMethod("handler").invoke(null);
        if (running instanceof Closeable) {
            ((Closeable) running).close(); // a detach, or Vigil attaching again: the old hooks go first
        }
        if ("detach".equals(options)) {
            return;
        }
        URLClassLoader own = new URLClassLoader(new URL[] {new File(dir, "vigil-rasp-core.jar").toURI().toURL(),
                new File(dir, "asm.jar").toURI().toURL()}, platformLoader());
        Method start = own.loadClass("dev.vigil.inject.core.Rasp").getMethod("start", Instrumentation.class, String.class, Closeable.class);
        start.invoke(null, inst, options == null ? "" : options, own);
    }

    private static boolean onBootPath() {
        try {
            Class.forName(DISPATCH, false, null);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** The platform class loader (9 and later) so that the JDK's own modules resolve; the bootstrap loader (null) on 8. */
    private static ClassLoader platformLoader() {
        try {
            return (ClassLoader) ClassLoader.class.getMethod("getPlatformClassLoader").invoke(null);
        } catch (ReflectiveOperationException jdk8) {
            return null;
        }
    }
}
