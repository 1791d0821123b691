package dev.vigil.rasp;

import java.util.ArrayList;
import java.util.List;

/**
 * What a Java stack says about how a call came to be, by class of exploit (OpenRASP's judgement by
 * stack): a command started under a deserializer, a JNDI lookup, an expression language, a script
 * engine or reflection is the end of an exploit chain whatever the command is. Read from the frames'
 * class and method names, which the application's code cannot forge without being that code.
 */
public final class StackMarks {
    private StackMarks() {}

    private record Mark(String name, String... framePrefixes) {}

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

    /** The marks of these frames (class.method(File:line) each), in the order above; "memory_class" when a frame's class has no class file. */
    public static List<String> of(List<String> frames, boolean memoryClass, boolean inRequest) {
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

    private static boolean any(List<String> frames, String[] prefixes) {
        for (String f : frames) {
            for (String p : prefixes) {
                if (f.startsWith(p)) {
                    return true;
                }
            }
        }
        return false;
    }
}
