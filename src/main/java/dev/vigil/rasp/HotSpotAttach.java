package dev.vigil.rasp;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * HotSpot's attach protocol, as {@code VirtualMachine.attach} and jattach speak it: a trigger file
 * {@code .attach_pidN} in the JVM's working directory, SIGQUIT, then the JVM's listener at
 * {@code /tmp/.java_pidN} (in its own filesystem, N its pid there) takes one command:
 * {@code load instrument false JAR=OPTIONS}. The JVM accepts the agent as root or as its own user
 * (JDK 9 and later). SIGQUIT ends a process that has no handler for it, so it is sent only to a
 * JVM that shows one ({@link Jvm#catchesQuit}).
 */
public final class HotSpotAttach {
    private HotSpotAttach() {}

    /** How long a JVM gets to open its listener after SIGQUIT (a loaded JVM may pause for a safepoint). */
    static final long LISTENER_WAIT_MS = 10_000;
    /** How long loading the agent may take (the RASP retransforms the JDK's classes it hooks). */
    static final long LOAD_WAIT_MS = 30_000;

    /** Why a JVM was not attached: said to the user as it is. */
    public static final class AttachException extends Exception {
        public AttachException(String message) {
            super(message);
        }
    }

    /** Loads `agentJar` (a path in the JVM's own filesystem) into the JVM with `options`. */
    public static void load(Jvm jvm, String agentJar, String options) throws AttachException {
        if (jvm.attachOff()) {
            throw new AttachException("started with -XX:+DisableAttachMechanism");
        }
        if (jvm.noSignals()) {
            throw new AttachException("started with -Xrs: it has no SIGQUIT handler, and SIGQUIT would end it");
        }
        Path socket = jvm.root().resolve("tmp/.java_pid" + jvm.nsPid());
        if (!Files.exists(socket)) {
            startListener(jvm, socket);
        }
        String reply = command(socket, "load", "instrument", "false", agentJar + "=" + options);
        String[] lines = reply.split("\n", 3);
        if (!lines[0].trim().equals("0")) {
            throw new AttachException("the JVM refused the agent: " + oneLine(reply));
        }
        String code = lines.length > 1 ? lines[1].replace("return code:", "").trim() : "";
        if (!code.isEmpty() && !code.equals("0")) {
            throw new AttachException("the agent failed to start in the JVM (return code " + oneLine(code)
                    + "; the JVM's standard error says why)");
        }
    }

    private static void startListener(Jvm jvm, Path socket) throws AttachException {
        if (!jvm.catchesQuit()) {
            throw new AttachException("no SIGQUIT handler yet (still starting, or -Xrs): not signalled");
        }
        Path trigger = Path.of("/proc", Integer.toString(jvm.pid()), "cwd", ".attach_pid" + jvm.nsPid());
        try {
            try {
                Files.write(trigger, new byte[0]);
            } catch (IOException cwdReadOnly) {
                trigger = jvm.root().resolve("tmp/.attach_pid" + jvm.nsPid());
                Files.write(trigger, new byte[0]);
            }
            // JDK 8 takes the trigger only from its own user
            Files.setAttribute(trigger, "unix:uid", jvm.uid());
            Files.setAttribute(trigger, "unix:gid", jvm.gid());
        } catch (IOException e) {
            throw new AttachException("cannot write the attach trigger file: " + e.getMessage());
        }
        try {
            if (!jvm.alive()) {
                throw new AttachException("the process exited");
            }
            if ((int) KILL.invokeExact(jvm.pid(), SIGQUIT) != 0) {
                throw new AttachException("cannot signal it (SIGQUIT)");
            }
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LISTENER_WAIT_MS);
            long pause = 5;
            while (!Files.exists(socket)) {
                if (System.nanoTime() > until) {
                    throw new AttachException("no attach listener " + LISTENER_WAIT_MS / 1000
                            + " s after SIGQUIT (attach disabled by an option Vigil cannot see, such as JAVA_TOOL_OPTIONS?)");
                }
                Thread.sleep(pause);
                pause = Math.min(pause * 2, 200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AttachException("interrupted");
        } catch (AttachException e) {
            throw e;
        } catch (Throwable t) {
            throw new AttachException("cannot signal it: " + t);
        } finally {
            try {
                Files.deleteIfExists(trigger);
            } catch (IOException ignored) {
                // the JVM deletes it too
            }
        }
    }

    /** One command on the listener; the whole reply (status line first). */
    static String command(Path socket, String... args) throws AttachException {
        FutureTask<String> task = new FutureTask<>(() -> {
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(socket));
                StringBuilder req = new StringBuilder("1\0");
                for (String a : args) {
                    req.append(a).append('\0');
                }
                for (int i = args.length; i < 4; i++) {
                    req.append('\0'); // the protocol takes three arguments after the command, empty ones included
                }
                ByteBuffer out = ByteBuffer.wrap(req.toString().getBytes(StandardCharsets.UTF_8));
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                ByteBuffer in = ByteBuffer.allocate(64 * 1024);
                while (in.hasRemaining() && ch.read(in) >= 0) {
                    // until the JVM closes its end
                }
                return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
            }
        });
        Thread.ofVirtual().name("vigil-attach").start(task);
        try {
            return task.get(LOAD_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            task.cancel(true);
            throw new AttachException("no answer from its attach listener in " + LOAD_WAIT_MS / 1000 + " s");
        } catch (ExecutionException e) {
            throw new AttachException("its attach listener: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AttachException("interrupted");
        }
    }

    private static String oneLine(String s) {
        String t = s.replaceAll("[\\p{Cntrl}]+", " ").trim();
        return t.length() > 300 ? t.substring(0, 300) + "..." : t;
    }

    private static final int SIGQUIT = 3;
    private static final MethodHandle KILL;
    static {
        Linker linker = Linker.nativeLinker();
        KILL = linker.downcallHandle(linker.defaultLookup().find("kill").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }
}
