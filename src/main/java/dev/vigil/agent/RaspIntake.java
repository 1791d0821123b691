package dev.vigil.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.enrich.JavaOrigins;
import dev.vigil.enrich.ProcessCache;
import dev.vigil.enrich.ProcessInfo;
import dev.vigil.enrich.Users;
import dev.vigil.event.RaspType;
import dev.vigil.rasp.HotSpotAttach;
import dev.vigil.rasp.Jvm;
import dev.vigil.rasp.RaspEvents;
import dev.vigil.rasp.RaspServer;
import dev.vigil.sink.Escape;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The JVM RASP as `vigil run` drives it: attaches to every Java process on the host, those running
 * at start and those the kernel sees start later, unless excluded; hands their events to the
 * pipeline; tells the kernel join which process each Java call started; keeps the state `vigil
 * rasp` lists ({@code /run/vigil-rasp/jvms.json}); and on close puts every JVM's classes back.
 */
public final class RaspIntake implements AutoCloseable {
    /**
     * Where the injected jars, the host's socket and the state live: readable by every user, for
     * JVMs of every user. Not under /run/vigil, which is the agent's private folder (0700): a JVM
     * of another user could not reach the jar there.
     */
    public static final Path DIR = Path.of("/run/vigil-rasp");
    public static final Path STATE = DIR.resolve("jvms.json");
    static final List<String> JARS = List.of("vigil-rasp-agent.jar", "vigil-rasp-boot.jar", "vigil-rasp-core.jar", "asm.jar");
    /** Inside a container, the jars and the socket go to this directory of its /tmp. */
    static final String IN_CONTAINER = "/tmp/.vigil-rasp";
    /** How long a JVM that just started may take to install its signal handlers before it is attached. */
    private static final long NEW_JVM_WAIT_MS = 15_000;
    /**
     * A new JVM is attached once it has run this long: the ones that end sooner (java -version, a
     * compiler run) are tools, not applications, and a JVM that still starts up may take SIGQUIT
     * before it looks for the attach trigger, and print a thread dump into its output.
     */
    static final long SETTLE_MS = 2_000;
    private static final long DETACH_WAIT_MS = 5_000;

    /**
     * What the command line asked for.
     *
     * @param enabled  --rasp on (off: no JVM is touched)
     * @param exclude  JVMs left alone: a main class or jar, an exe path, or user:NAME; * matches any run of characters
     * @param events   the RASP event types some rule reads: the hooks installed
     * @param blocking those some rule may block: the JVM waits for a verdict on each such call
     * @param blocks   whether a blocking rule matches an event
     */
    public record Options(boolean enabled, List<String> exclude, Set<String> events, Set<String> blocking,
                          java.util.function.Predicate<Map<String, Object>> blocks) {}

    /** One JVM as `vigil rasp` shows it. */
    private static final class State {
        final Jvm jvm;
        volatile String status;
        volatile String reason = "";
        volatile RaspServer.Attached attached;

        State(Jvm jvm, String status) {
            this.jvm = jvm;
            this.status = status;
        }
    }

    private final Options options;
    private final Consumer<Map<String, Object>> pipeline;
    private final JavaOrigins origins;
    private final ProcessCache cache;
    private final Users users = new Users(Path.of("/etc/passwd"));
    private final String host;
    private final RaspServer server;
    private final Path jars;
    private final Map<Integer, State> jvms = new ConcurrentHashMap<>();
    private final AtomicLong unknownEvents = new AtomicLong();
    private final ObjectMapper json = new ObjectMapper();
    private volatile boolean closed;

    private RaspIntake(Options options, Consumer<Map<String, Object>> pipeline, JavaOrigins origins, ProcessCache cache, String host, Path jars) {
        this.options = options;
        this.pipeline = pipeline;
        this.origins = origins;
        this.cache = cache;
        this.host = host;
        this.jars = jars;
        this.server = new RaspServer(new RaspServer.Listener() {
            @Override
            public void event(RaspServer.Attached a, Map<String, Object> line, Consumer<Boolean> answer) {
                onEvent(a, line, answer);
            }

            @Override
            public void changed(RaspServer.Attached a) {
                State s = jvms.get(a.jvm.pid());
                if (s != null && s.attached == a && !a.connected() && s.status.equals("attached")) {
                    s.status = "detached";
                    s.reason = closed ? "vigil stopped" : a.jvm.alive() ? "its RASP closed the connection (vigil rasp detach?)" : "the process exited";
                }
                writeState();
            }
        });
    }

    /** Starts the RASP: the socket, then an attach to each JVM running now (each on a thread of its own). */
    public static RaspIntake start(Options o, Consumer<Map<String, Object>> pipeline, JavaOrigins origins, ProcessCache cache, String host) {
        Path built = builtJars();
        RaspIntake in = new RaspIntake(o, pipeline, origins, cache, host, built);
        try {
            install(built, DIR);
            in.server.listen(DIR.resolve("rasp.sock"));
        } catch (IOException e) {
            in.server.close();
            throw new IllegalArgumentException("JVM RASP not started: " + DIR + ": " + e.getMessage()
                    + " (run as root, or turn the RASP off with --rasp off)", e);
        }
        for (Jvm j : Jvm.all()) {
            Thread.ofVirtual().name("vigil-rasp-attach").start(() -> in.attach(j));
        }
        in.writeState();
        return in;
    }

    /** The injected jars as the build made them (target/rasp beside the agent's jar or classes). */
    static Path builtJars() {
        try {
            Path self = Path.of(RaspIntake.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dir = self.getParent().resolve("rasp");
            if (Files.isReadable(dir.resolve(JARS.getFirst()))) {
                return dir;
            }
            throw new IllegalArgumentException("JVM RASP not started: " + dir + " has no " + JARS.getFirst()
                    + " (build with ./vigil build, or turn the RASP off with --rasp off)");
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("JVM RASP not started: cannot locate the agent's jar", e);
        }
    }

    private static void install(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String jar : JARS) {
            Path tmp = to.resolve(jar + ".tmp");
            Files.copy(from.resolve(jar), tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, to.resolve(jar), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** The event types {@link #kernelEvent} looks at. */
    public static boolean reads(dev.vigil.event.EventType type) {
        return type == dev.vigil.event.EventType.EXECVE;
    }

    /** A kernel event: a java program starting is a JVM to attach once it can take the signal. */
    public void kernelEvent(Map<String, Object> e) {
        if (closed || !"execve".equals(e.get("event")) || !(e.get("exe") instanceof String exe) || !exe.endsWith("/java")
                || !(e.get("pid") instanceof Number pid)) {
            return;
        }
        Thread.ofVirtual().name("vigil-rasp-new-jvm").start(() -> attachWhenReady(pid.intValue()));
    }

    private void attachWhenReady(int pid) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(NEW_JVM_WAIT_MS);
        try {
            long pause = 10;
            while (!closed && System.nanoTime() < until) {
                var j = Jvm.of(pid);
                if (j.isEmpty()) {
                    return; // exited, or exec'd something else
                }
                if (j.get().ageMillis() >= SETTLE_MS && j.get().catchesQuit() || j.get().noSignals() || j.get().attachOff() || j.get().vigil()) {
                    attach(j.get());
                    return;
                }
                Thread.sleep(pause);
                pause = Math.min(pause * 2, 250);
            }
            Jvm.of(pid).ifPresent(j -> record(j, "failed", "no SIGQUIT handler " + NEW_JVM_WAIT_MS / 1000 + " s after it started: not signalled"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void attach(Jvm j) {
        if (closed) {
            return;
        }
        State prior = jvms.get(j.pid());
        if (prior != null && prior.jvm.startTime() == j.startTime()) {
            return; // this very process was tried already
        }
        if (j.pid() == ProcessHandle.current().pid()) {
            return;
        }
        if (j.vigil()) {
            record(j, "excluded", "a JVM of Vigil's own");
            return;
        }
        String excludedBy = excludedBy(j);
        if (!options.enabled()) {
            record(j, "off", "--rasp off");
            return;
        }
        if (excludedBy != null) {
            record(j, "excluded", "--rasp-exclude " + excludedBy);
            return;
        }
        if (j.major() > 0 && j.major() < 16) {
            record(j, "failed", "Java " + j.version() + " has no unix-domain sockets; Vigil's RASP attaches to Java 16 and later");
            return;
        }
        if (options.events().isEmpty()) {
            record(j, "idle", "no rule reads a JVM event: nothing to hook");
            return;
        }
        State s = record(j, "attaching", "");
        RaspServer.Attached a = server.expect(j);
        s.attached = a;
        try {
            String dir = DIR.toString();
            if (j.ownFilesystem()) {
                Path inside = j.root().resolve(IN_CONTAINER.substring(1));
                install(jars, inside);
                server.listen(inside.resolve("rasp.sock"));
                dir = IN_CONTAINER;
            }
            String opts = "socket=" + dir + "/rasp.sock;token=" + a.token() + ";events=" + String.join(",", options.events())
                    + ";ask=" + String.join(",", options.blocking());
            HotSpotAttach.load(j, dir + "/" + JARS.getFirst(), opts);
            s.status = "attached";
            s.reason = "";
        } catch (HotSpotAttach.AttachException | IOException e) {
            server.forget(a);
            s.attached = null;
            s.status = "failed";
            s.reason = e.getMessage();
            System.err.println("vigil: JVM " + j.pid() + " (" + Escape.line(j.main()) + ") not attached: " + Escape.line(String.valueOf(e.getMessage())));
        }
        writeState();
    }

    private State record(Jvm j, String status, String reason) {
        State s = new State(j, status);
        s.reason = reason;
        jvms.put(j.pid(), s);
        writeState();
        return s;
    }

    /** The exclusion that matches this JVM, or null. */
    String excludedBy(Jvm j) {
        for (String x : options.exclude()) {
            if (x.startsWith("user:") ? glob(x.substring(5), users.name(j.uid())) : glob(x, j.main()) || glob(x, j.exe())) {
                return x;
            }
        }
        return null;
    }

    static boolean glob(String pattern, String s) {
        StringBuilder re = new StringBuilder();
        for (String part : pattern.split("\\*", -1)) {
            if (!re.isEmpty()) {
                re.append(".*");
            }
            re.append(java.util.regex.Pattern.quote(part));
        }
        return s.matches(re.toString());
    }

    private void onEvent(RaspServer.Attached a, Map<String, Object> line, Consumer<Boolean> answer) {
        Map<String, Object> e = RaspEvents.event(a.jvm, line, host);
        if (e == null) {
            unknownEvents.incrementAndGet();
            return;
        }
        e.put("username", users.name(a.jvm.uid()));
        ProcessInfo p = cache.get(a.jvm.pid());
        long start = p != null ? p.startTime() : a.jvm.startTime() * 10_000_000L;
        e.put("start_time", start);
        e.put("exec_id", host + ":" + start + ":" + a.jvm.pid());
        e.put("container_id", a.jvm.containerId());
        if (RaspType.JVM_PROCESS.eventName().equals(e.get("event"))) {
            origins.started(e); // before the answer: the JVM forks only after it
        }
        boolean block = line.containsKey("ask") && options.blocking().contains(e.get("event")) && options.blocks().test(e);
        if (block) {
            e.put("blocked", true);
        }
        answer.accept(block); // the JVM goes on (or throws) while the rules read the event
        pipeline.accept(e);
    }

    /** The JVMs and what became of each, for `vigil rasp`. */
    public List<Map<String, Object>> state() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (State s : jvms.values().stream().sorted(java.util.Comparator.comparingInt(x -> x.jvm.pid())).toList()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pid", s.jvm.pid());
            m.put("start", s.jvm.startTime());
            m.put("user", users.name(s.jvm.uid()));
            m.put("uid", s.jvm.uid());
            m.put("version", s.jvm.version());
            m.put("main", s.jvm.main());
            m.put("container_id", s.jvm.containerId());
            m.put("status", s.status);
            m.put("reason", s.reason);
            RaspServer.Attached a = s.attached;
            if (a != null) {
                m.put("connected", a.connected());
                m.put("hooks", a.hooks);
                m.put("events", a.events.get());
                m.put("jvm", a.stats);
            }
            out.add(m);
        }
        return out;
    }

    private synchronized void writeState() {
        try {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("agent_pid", ProcessHandle.current().pid());
            doc.put("running", !closed);
            doc.put("updated", System.currentTimeMillis());
            doc.put("unknown_events", unknownEvents.get());
            doc.put("refused_connections", server.refused());
            doc.put("malformed_lines", server.malformed());
            doc.put("jvms", state());
            Path tmp = DIR.resolve("jvms.json.tmp");
            json.writeValue(tmp.toFile(), doc);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, STATE, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            // the listing is a view; the agent runs on without it
        }
    }

    public String summary() {
        long attached = jvms.values().stream().filter(s -> s.status.equals("attached")).count();
        return "JVM RASP: " + jvms.size() + " JVMs seen, " + attached + " attached; lines skipped " + (server.malformed() + unknownEvents.get())
                + ", connections refused " + server.refused();
    }

    /** Every attached JVM is asked to put its classes back, and given a moment to do it. */
    @Override
    public void close() throws InterruptedException {
        closed = true;
        List<RaspServer.Attached> asked = new ArrayList<>();
        for (State s : jvms.values()) {
            RaspServer.Attached a = s.attached;
            if (a != null && server.detach(a)) {
                asked.add(a);
            }
        }
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DETACH_WAIT_MS);
        for (RaspServer.Attached a : asked) {
            while (a.connected() && System.nanoTime() < until) {
                Thread.sleep(10);
            }
        }
        for (State s : jvms.values()) {
            if (s.status.equals("attached")) {
                s.status = "detached";
                s.reason = "vigil stopped";
            }
        }
        server.close();
        writeState();
    }
}
