package dev.vigil.inject.core;

import dev.vigil.inject.boot.Dispatch;

import java.io.Closeable;
import java.io.ObjectStreamClass;
import java.lang.instrument.Instrumentation;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Vigil's RASP inside one JVM: installs the hooks the agent asked for, turns each hooked call into
 * an event (the call, its bounded arguments, the Java stack, the request being served) and puts the
 * original classes back on close. Options: {@code socket=PATH;token=HEX;events=jvm_process,...;ask=jvm_jndi,...}
 * (ask: the event types whose calls wait for the agent's verdict, a rule may block them).
 */
public final class Rasp implements Dispatch.Handler, Closeable {
    private static final int MAX_FRAMES = 48;
    /** A JVM that makes classes by the thousand (a script engine) keeps the first ones' names, not all. */
    private static final int MAX_MEMORY_CLASSES = 10_000;
    private static final String OWN_PACKAGE = "dev.vigil.inject.";

    private final Instrumentation inst;
    private final HookTransformer transformer;
    private final List<Hook> hooks;
    private final Set<String> installed = new LinkedHashSet<String>();
    /** Whether a class definition is an event, or only noted for the stacks that run its class. */
    private final boolean reportDefinitions;
    /** The event types whose call waits for the agent's verdict (a rule may block it). */
    private final Set<String> asks;
    private final Closeable loader;
    private final Wire wire;
    private final FileFilter files = new FileFilter();
    /** Classes defined from bytes with no class file behind them (their names), so that a stack can say it runs one. */
    private final Set<String> memoryClasses = Collections.newSetFromMap(new ConcurrentHashMap<String, Boolean>());
    private volatile boolean closed;

    private Rasp(Instrumentation inst, Map<String, String> options, Closeable loader) {
        this.inst = inst;
        this.loader = loader;
        Set<String> events = new HashSet<String>(Arrays.asList(options.getOrDefault("events", "").split(",")));
        events.retainAll(Hook.events());
        this.reportDefinitions = events.contains(Hook.DEFINE);
        this.asks = new HashSet<String>(Arrays.asList(options.getOrDefault("ask", "").split(",")));
        this.asks.add("jvm_process"); // the kernel's join needs the start before the fork
        this.hooks = Hook.forEvents(events);
        this.transformer = new HookTransformer(hooks);
        final String token = options.getOrDefault("token", "");
        this.wire = new Wire(options.getOrDefault("socket", ""), new Wire.Hello() {
            @Override
            public String line() {
                return new Json().field("hello", 1).field("token", token).field("jdk", System.getProperty("java.version"))
                        .field("vendor", System.getProperty("java.vm.vendor")).field("main", mainClass())
                        .field("hooks", new ArrayList<String>(installed)).raw("stats", stats()).toString();
            }

            @Override
            public String stats() {
                return new Json().field("sent", wire == null ? 0 : wire.sent.get()).field("dropped", (wire == null ? 0 : wire.dropped.get()) + Dispatch.droppedBefore.get())
                        .field("verdict_timeouts", wire == null ? 0 : wire.verdictTimeouts.get())
                        .field("hook_failures", Dispatch.failures()).field("transform_failures", transformer.failed.get())
                        .field("last_transform_failure", transformer.lastFailure).toString();
            }
        }, this::close);
    }

    public static void start(Instrumentation inst, String options, Closeable loader) throws Exception {
        if (!unixSockets()) {
            throw new UnsupportedOperationException("Java " + System.getProperty("java.version")
                    + " has no unix-domain sockets (Java 16 and later have): Vigil's RASP does not attach to it");
        }
        Rasp r = new Rasp(inst, parse(options), loader);
        r.install();
        r.wire.start();
    }

    private static boolean unixSockets() {
        try {
            Class.forName("java.net.UnixDomainSocketAddress");
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private void install() throws Exception {
        Dispatch.handler(this);
        inst.addTransformer(transformer, true);
        List<Class<?>> loaded = new ArrayList<Class<?>>();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            if (transformer.wants(c.getName().replace('.', '/')) && inst.isModifiableClass(c)) {
                loaded.add(c);
            }
        }
        if (!loaded.isEmpty()) {
            inst.retransformClasses(loaded.toArray(new Class<?>[0]));
        }
        for (Hook h : hooks) {
            installed.add(h.dotted() + "." + h.method);
        }
    }

    /** The original bytecode back: the transformer goes, and every class it changed is transformed again without it. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (Dispatch.handler() == this) {
            Dispatch.handler(null);
        }
        inst.removeTransformer(transformer);
        List<Class<?>> changed = new ArrayList<Class<?>>();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            if (transformer.wants(c.getName().replace('.', '/')) && inst.isModifiableClass(c)) {
                changed.add(c);
            }
        }
        try {
            if (!changed.isEmpty()) {
                inst.retransformClasses(changed.toArray(new Class<?>[0]));
            }
        } catch (Exception e) {
            // the handler is gone already: the hooks left call a dispatcher that returns at once
        }
        wire.close();
        Dispatch.droppedBefore.addAndGet(wire.dropped.get());
        try {
            loader.close();
        } catch (java.io.IOException ignored) {
            // its jars stay open until the JVM exits
        }
    }

    @Override
    public Throwable enter(int id, Object self, Object[] args) {
        Hook h = Hook.ALL.get(id);
        if (h.event.equals(Hook.REQUEST)) {
            Requests.enter(h, self, args[0]);
            return null;
        }
        // a connect is reported under an exploit chain's frame or from a class with no class file: every other
        // connect (a database's, an HTTP client's) stays in the JVM, and costs a lazy walk of the stack
        if (h.event.equals("jvm_connect") && !Marks.exploitOnStack(memoryClasses)) {
            return null;
        }
        Call c = call(h, self, args);
        if (c == null || h.event.equals(Hook.DEFINE) && !reportDefinitions) {
            return null;
        }
        StackTraceElement[] stack = new Throwable().getStackTrace();
        if (h.owner.equals("com/sun/jndi/toolkit/url/GenericURLContext") && has(stack, "javax.naming.InitialContext", "lookup")) {
            return null; // InitialContext.lookup reported it already
        }
        Json j = new Json().field("event", h.event).field("ts", System.currentTimeMillis() * 1_000_000L)
                .field("thread", Thread.currentThread().getName()).field("tid", osThreadId())
                .field("class", h.dotted()).field("method", h.method).field("op", c.op).field("target", c.target)
                .field("args", c.args).field("code_source", c.codeSource).field("stack", frames(stack));
        List<String> memory = memoryFrames(stack);
        if (!memory.isEmpty()) {
            j.field("memory_classes", memory);
        }
        String request = Requests.describe(stack);
        if (request != null) {
            j.raw("http", request);
        }
        j.field("marks", Marks.of(stack, !memory.isEmpty(), request != null));
        if (!asks.contains(h.event)) {
            wire.offer(j.toString());
            return null;
        }
        long ask = wire.nextId();
        String verdict = wire.ask(ask, j.field("ask", ask).toString());
        return "block".equals(verdict) ? Refusals.of(h, c.target) : null;
    }

    /** What one hooked call did, or null when it is not worth an event (a class with a class file, an everyday file). */
    private static final class Call {
        final String op;
        final String target;
        final List<String> args;
        /** Where the class acted on came from (a jar, a directory), "" for bytes with no class file; null where no class is acted on. */
        String codeSource;

        Call(String op, String target, List<String> args) {
            this.op = op;
            this.target = target;
            this.args = args;
        }

        Call from(String codeSource) {
            this.codeSource = codeSource;
            return this;
        }
    }

    private Call call(Hook h, Object self, Object[] a) {
        switch (h.event) {
            case "jvm_process": {
                String[] cmd = (String[]) a[0];
                List<String> argv = cmd == null ? Collections.<String>emptyList() : Arrays.asList(cmd);
                return new Call(h.op, argv.isEmpty() ? "" : argv.get(0), argv);
            }
            case "jvm_jndi":
                return new Call(h.op, String.valueOf(a[0]), Collections.<String>emptyList());
            case "jvm_deserialize":
                return new Call(h.op, a[0] instanceof ObjectStreamClass ? ((ObjectStreamClass) a[0]).getName() : "", Collections.<String>emptyList());
            case "jvm_native_load":
                return new Call(h.op, String.valueOf(a[1]), Collections.<String>emptyList());
            case "jvm_define_class":
                return defined(h, self, a);
            case "jvm_connect":
                return connect(h, a[0]);
            case "jvm_file":
                return file(h, a);
            case "jvm_web_component":
                return component(h, self, a);
            case "jvm_expression": {
                String expression = String.valueOf(h.op.equals("el") ? a[1] : a[0]);
                return Expressions.reachesForCode(expression) ? new Call(h.op, expression, Collections.<String>emptyList()) : null;
            }
            default:
                return null;
        }
    }

    private Call defined(Hook h, Object self, Object[] a) {
        String name;
        String source;
        if (h.owner.equals("java/lang/ClassLoader")) {
            ProtectionDomain pd = (ProtectionDomain) a[a.length - 1];
            CodeSource cs = pd == null ? null : pd.getCodeSource();
            if (cs != null && cs.getLocation() != null) {
                return null; // a class from a jar or a directory
            }
            name = a[0] != null ? (String) a[0] : a[1] instanceof byte[] ? classNameOf((byte[]) a[1]) : "";
            source = "";
        } else {
            name = classNameOf((byte[]) a[0]);
            Object lookupClass = Requests.call(self, "lookupClass");
            source = lookupClass instanceof Class ? codeSource((Class<?>) lookupClass) : "";
        }
        if (memoryClasses.size() < MAX_MEMORY_CLASSES && !Marks.generatedByLibrary(memoryClasses)) {
            memoryClasses.add(name);
        }
        String loaderName = self == null ? "" : self.getClass().getName();
        return new Call(h.op, name, Collections.singletonList(loaderName)).from(source);
    }

    /**
     * A web component joining an application: reported once the application runs (Tomcat's context
     * STARTED; a Spring controller from a request or from a class with no class file), not as it
     * starts up and registers its own.
     */
    private Call component(Hook h, Object self, Object[] a) {
        Object what = a[0];
        Object component;
        String name;
        switch (h.op) {
            case "filter":
                component = Requests.call(what, "getFilter");
                name = component != null ? component.getClass().getName() : String.valueOf(Requests.call(what, "getFilterClass"));
                break;
            case "servlet":
                component = Requests.call(what, "getServlet");
                name = component != null ? component.getClass().getName() : String.valueOf(Requests.call(what, "getServletClass"));
                break;
            case "filter_mapping":
                component = null;
                Object patterns = Requests.call(what, "getURLPatterns");
                name = Requests.call(what, "getFilterName") + " " + (patterns instanceof String[] ? Arrays.toString((String[]) patterns) : "");
                break;
            case "servlet_mapping":
                component = null;
                name = what + " -> " + a[1];
                break;
            case "controller":
                component = a[2] instanceof java.lang.reflect.Method ? ((java.lang.reflect.Method) a[2]).getDeclaringClass() : null;
                name = component == null ? "" : ((Class<?>) component).getName() + "." + ((java.lang.reflect.Method) a[2]).getName() + " " + what;
                break;
            default:
                component = what;
                name = what == null ? "" : what.getClass().getName();
        }
        Class<?> type = component instanceof Class ? (Class<?>) component : component == null ? null : component.getClass();
        String source = type == null ? null : codeSource(type);
        if (h.op.equals("controller")) {
            if (!"".equals(source) && Requests.describe(new Throwable().getStackTrace()) == null) {
                return null;
            }
        } else {
            Object context = h.op.equals("valve") ? Requests.call(self, "getContainer") : self;
            if (!"STARTED".equals(String.valueOf(Requests.call(context, "getStateName")))) {
                return null;
            }
        }
        return new Call(h.op, name, Collections.<String>emptyList()).from(source);
    }

    private static String classNameOf(byte[] bytes) {
        try {
            return new org.objectweb.asm.ClassReader(bytes).getClassName().replace('/', '.');
        } catch (RuntimeException notAClass) {
            return "";
        }
    }

    private static String codeSource(Class<?> c) {
        ProtectionDomain pd = c.getProtectionDomain();
        CodeSource cs = pd == null ? null : pd.getCodeSource();
        return cs == null || cs.getLocation() == null ? "" : cs.getLocation().toString();
    }

    private static Call connect(Hook h, Object address) {
        if (!(address instanceof InetSocketAddress)) {
            return address instanceof SocketAddress ? new Call(h.op, String.valueOf(address), Collections.<String>emptyList()) : null;
        }
        InetSocketAddress a = (InetSocketAddress) address;
        String ip = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        return new Call(h.op, ip + ":" + a.getPort(), Collections.singletonList(a.getHostString()));
    }

    /** A file event's target is the absolute, normalized path (a rename's: where it goes); its args, the paths as the code gave them. */
    private Call file(Hook h, Object[] a) {
        String path = String.valueOf(a[0]);
        String op = h.op;
        if (h.method.equals("open") && h.owner.equals("java/io/RandomAccessFile")) {
            op = (((Integer) a[1]) & 2) != 0 ? "write" : "read"; // RandomAccessFile's O_RDWR
        } else if (op.equals("open")) {
            op = writes(a[1]) ? "write" : "read";
        }
        String to = op.equals("rename") ? String.valueOf(a[1]) : null;
        if (!files.reports(op, path) && (to == null || !files.reports("write", to))) {
            return null;
        }
        List<String> given = to == null ? Collections.singletonList(path) : Arrays.asList(path, to);
        return new Call(op, absolute(to == null ? path : to), given);
    }

    private static String absolute(String path) {
        try {
            return new java.io.File(path).getAbsoluteFile().toPath().normalize().toString();
        } catch (RuntimeException unusual) {
            return path;
        }
    }

    private static boolean writes(Object options) {
        if (!(options instanceof Set)) {
            return false;
        }
        for (Object o : (Set<?>) options) {
            String s = String.valueOf(o);
            if (s.equals("WRITE") || s.equals("APPEND") || s.equals("CREATE") || s.equals("CREATE_NEW")) {
                return true;
            }
        }
        return false;
    }

    private static boolean has(StackTraceElement[] stack, String cls, String method) {
        for (StackTraceElement f : stack) {
            if (f.getClassName().equals(cls) && f.getMethodName().equals(method)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> frames(StackTraceElement[] stack) {
        List<String> out = new ArrayList<String>(Math.min(stack.length, MAX_FRAMES));
        for (StackTraceElement f : stack) {
            if (f.getClassName().startsWith(OWN_PACKAGE)) {
                continue;
            }
            if (out.size() == MAX_FRAMES) {
                break;
            }
            out.add(f.getClassName() + "." + f.getMethodName() + "(" + (f.getFileName() == null ? "" : f.getFileName())
                    + (f.getLineNumber() >= 0 ? ":" + f.getLineNumber() : "") + ")");
        }
        return out;
    }

    private List<String> memoryFrames(StackTraceElement[] stack) {
        if (memoryClasses.isEmpty()) {
            return Collections.emptyList();
        }
        Set<String> out = new LinkedHashSet<String>();
        for (StackTraceElement f : stack) {
            if (memoryClasses.contains(f.getClassName())) {
                out.add(f.getClassName());
            }
        }
        return new ArrayList<String>(out);
    }

    /** The calling thread's id as the kernel knows it (in the JVM's pid namespace), from /proc/thread-self; -1 when unreadable. */
    private static long osThreadId() {
        try {
            String self = java.nio.file.Files.readSymbolicLink(java.nio.file.Paths.get("/proc/thread-self")).toString();
            return Long.parseLong(self.substring(self.lastIndexOf('/') + 1));
        } catch (Exception unreadable) {
            return -1;
        }
    }

    private static String mainClass() {
        String command = System.getProperty("sun.java.command", "");
        int space = command.indexOf(' ');
        return space < 0 ? command : command.substring(0, space);
    }

    private static Map<String, String> parse(String options) {
        Map<String, String> out = new java.util.HashMap<String, String>();
        for (String kv : options.split(";")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                out.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return out;
    }
}
