package dev.vigil.event;

/**
 * The event types of the JVM RASP (Vigil's source {@code jvm}): one hooked call inside a Java
 * process, with its bounded arguments, the Java stack that made it and the HTTP request the thread
 * was serving. Elkeid numbers every hooked call 2439; Vigil keeps 2439 for a process start and
 * numbers the other operations after it, so that a rule's {@code evt.type} and the rule-driven
 * choice of hooks work as for the kernel's events. The hooks themselves are rasp/src (Hook.java).
 */
public enum RaspType implements EventKind {
    JVM_PROCESS(2439, "jvm_process", "a Java process starts a program (ProcessImpl.start: Runtime.exec, ProcessBuilder and every other route)"),
    JVM_JNDI(2440, "jvm_jndi", "a JNDI lookup (InitialContext.lookup, a URL context's): its name, ldap:, rmi:, dns: or iiop: URLs included"),
    JVM_DESERIALIZE(2441, "jvm_deserialize", "a class named by a Java serialization stream (ObjectInputStream.resolveClass)"),
    JVM_NATIVE_LOAD(2442, "jvm_native_load", "a native library loaded into the JVM (System.load, System.loadLibrary, Runtime's)"),
    JVM_DEFINE_CLASS(2443, "jvm_define_class", "a class defined from bytes with no class file behind it (ClassLoader.defineClass without a code source, Lookup.defineClass, hidden classes)"),
    JVM_CONNECT(2444, "jvm_connect", "a Java socket connects (Socket.connect, SocketChannel.connect)"),
    JVM_FILE(2445, "jvm_file", "a Java file operation worth a look: a path with '..', a secret read, a script or page written, deleted or renamed"),
    JVM_WEB_COMPONENT(2446, "jvm_web_component", "a filter, servlet, listener, valve or controller joining a running web application (Tomcat's StandardContext and StandardPipeline, Spring's handler mappings)"),
    JVM_EXPRESSION(2447, "jvm_expression", "an expression (Jakarta or Java EE EL, SpEL, OGNL) that reaches for code (classes, reflection, processes, JNDI) being compiled");

    /** A RASP event's fields (a holder: an enum's constructor may not read the enum's own statics). */
    static final class Layout {
        private Layout() {}

        /** The process fields a RASP event carries, as the kernel's events do. */
        static final String[] PROCESS = {"pid", "tid", "uid", "username", "exe", "comm", "container_id", "exec_id", "start_time"};
        /** The hooked call: what every RASP event carries after the process. */
        static final String[] CALL = {"jvm_class", "jvm_method", "jvm_op", "jvm_target", "jvm_args", "jvm_code_source", "jvm_thread", "jvm_stack",
                "jvm_stack_marks", "jvm_memory_classes", "jvm_main", "jvm_version", "http_method", "http_url", "http_remote", "http_handler", "blocked"};
    }

    private final int number;
    private final String name;
    private final EventDef def;

    RaspType(int number, String name, String description) {
        this.number = number;
        this.name = name;
        this.def = EventDef.source("jvm").is(description).fields(Layout.PROCESS).fields(Layout.CALL).path(name.equals("jvm_file") ? "jvm_target" : "").build();
    }

    @Override
    public int number() {
        return number;
    }

    @Override
    public String eventName() {
        return name;
    }

    @Override
    public EventDef def() {
        return def;
    }
}
