package dev.vigil.inject.core;

import java.util.ArrayList;
import java.util.List;

/**
 * What a Java stack says about how a call came to be, by class of exploit (OpenRASP's judgement by
 * stack): a command started under a deserializer, a JNDI lookup, an expression language, a script
 * engine or reflection is the end of an exploit chain whatever the command is. Read from the frames'
 * class and method names, in the JVM, so that calls of no interest (a connect under no exploit frame)
 * need not leave it.
 */
final class Marks {
    private Marks() {}

    private record Mark(String name, String... framePrefixes) {}

    /** The marks of an exploit chain: a call under one of them is worth reporting whatever it is. */
    static final java.util.Set<String> EXPLOIT = java.util.Set.of("deserialization", "jndi", "expression", "script");

    private static final List<Mark> MARKS = List.of(
            new Mark("deserialization", "java.io.ObjectInputStream.readObject", "java.io.ObjectInputStream.readOrdinaryObject",
                    "com.fasterxml.jackson.databind.deser.", "com.alibaba.fastjson.JSON.parse", "com.alibaba.fastjson2.JSON.parse",
                    "org.yaml.snakeyaml.constructor.", "com.thoughtworks.xstream.", "java.beans.XMLDecoder.readObject",
                    "org.apache.commons.collections.functors.InvokerTransformer.transform",
                    "org.apache.commons.collections4.functors.InvokerTransformer.transform", "com.caucho.hessian.io."),
            new Mark("jndi", "javax.naming.InitialContext.lookup", "com.sun.jndi.", "org.apache.logging.log4j.core.net.JndiManager.lookup",
                    "org.apache.logging.log4j.core.lookup.JndiLookup.lookup"),
            new Mark("expression", "org.springframework.expression.", "ognl.Ognl.", "ognl.OgnlRuntime.", "javax.el.", "jakarta.el.",
                    "org.apache.el.", "org.mvel2.", "org.apache.commons.jexl", "freemarker.template.", "org.apache.velocity."),
            new Mark("script", "javax.script.", "jdk.nashorn.", "org.openjdk.nashorn.", "groovy.lang.GroovyShell.", "org.codehaus.groovy.runtime.",
                    "bsh.Interpreter."),
            new Mark("reflection", "java.lang.reflect.Method.invoke", "jdk.internal.reflect.", "sun.reflect."));

    /** The marks of these frames, in the order above; "memory_class" when a frame's class has no class file. */
    static List<String> of(StackTraceElement[] frames, boolean memoryClass, boolean inRequest) {
        List<String> out = new ArrayList<>(4);
        for (Mark m : MARKS) {
            if (any(frames, m.framePrefixes())) {
                out.add(m.name());
            }
        }
        if (memoryClass) {
            out.add("memory_class");
        }
        if (inRequest) {
            out.add("request");
        }
        return out;
    }

    private static boolean any(StackTraceElement[] frames, String[] prefixes) {
        for (StackTraceElement f : frames) {
            if (matches(f.getClassName(), f.getMethodName(), prefixes)) {
                return true;
            }
        }
        return false;
    }

    /** Whether class.method starts with one of the prefixes (a package, a class, or a class and method). */
    private static boolean matches(String cls, String method, String[] prefixes) {
        for (String p : prefixes) {
            if (p.length() <= cls.length() ? cls.startsWith(p) : p.startsWith(cls) && p.length() > cls.length() && p.charAt(cls.length()) == '.'
                    && method.startsWith(p.substring(cls.length() + 1))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the calling thread's stack has an exploit chain's frame or a class with no class file,
     * walked lazily (StackWalker: no frame objects for the frames after the first match), for a call
     * the RASP reports only then.
     */
    static boolean exploitOnStack(java.util.Set<String> memoryClasses) {
        return WALKER.walk(frames -> frames.anyMatch(f -> memoryClasses.contains(f.getClassName()) || exploitFrame(f.getClassName(), f.getMethodName())));
    }

    private static final StackWalker WALKER = StackWalker.getInstance();

    /**
     * Libraries that make classes from bytes as their ordinary work (proxies, accessors, mocks), through the
     * same defineClass calls a memory shell uses: ByteBuddy (and Hibernate and Mockito through it), cglib
     * (Spring's copy too), Javassist (OGNL's compiled expressions), Guice.
     */
    private static final String[] GENERATORS = {"net.bytebuddy.", "org.springframework.cglib.", "net.sf.cglib.", "javassist.",
            "org.hibernate.bytecode.", "org.hibernate.proxy.", "org.mockito.", "com.google.inject.internal."};

    /**
     * Whether the class being defined is a library's generated class: a generator's frame on the stack
     * and no exploit frame or class with no class file above it (an injected payload driving a
     * library it found in the application is still a memory class).
     */
    static boolean generatedByLibrary(java.util.Set<String> memoryClasses) {
        return WALKER.walk(frames -> {
            boolean generator = false;
            for (java.util.Iterator<StackWalker.StackFrame> it = frames.iterator(); it.hasNext(); ) {
                StackWalker.StackFrame f = it.next();
                if (memoryClasses.contains(f.getClassName()) || exploitFrame(f.getClassName(), f.getMethodName())) {
                    return false;
                }
                generator |= matches(f.getClassName(), f.getMethodName(), GENERATORS);
            }
            return generator;
        });
    }

    private static boolean exploitFrame(String cls, String method) {
        if (EXPLOIT_METHODS.size() > MAX_CACHED_CLASSES) {
            EXPLOIT_METHODS.clear(); // a JVM that makes classes without end (a script engine) does not grow this without end
        }
        String[] methods = EXPLOIT_METHODS.computeIfAbsent(cls, Marks::exploitMethodsOf);
        if (methods == ANY_METHOD) {
            return true;
        }
        for (String m : methods) {
            if (method.startsWith(m)) {
                return true;
            }
        }
        return false;
    }

    /** Per class: the method name prefixes that make its frame an exploit chain's (ANY_METHOD: all of them). A walk asks once per class. */
    private static final java.util.concurrent.ConcurrentHashMap<String, String[]> EXPLOIT_METHODS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final String[] ANY_METHOD = {""};
    private static final int MAX_CACHED_CLASSES = 50_000;

    private static String[] exploitMethodsOf(String cls) {
        List<String> methods = new ArrayList<>();
        for (Mark m : MARKS) {
            if (!EXPLOIT.contains(m.name())) {
                continue;
            }
            for (String p : m.framePrefixes()) {
                if (p.length() <= cls.length() && cls.startsWith(p)) {
                    return ANY_METHOD;
                }
                if (p.length() > cls.length() && p.startsWith(cls) && p.charAt(cls.length()) == '.') {
                    methods.add(p.substring(cls.length() + 1));
                }
            }
        }
        return methods.toArray(new String[0]);
    }
}
