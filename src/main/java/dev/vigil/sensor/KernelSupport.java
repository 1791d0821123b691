package dev.vigil.sensor;

import dev.vigil.bpf.NotSupportedException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** What the sensor needs of the system, checked before anything is loaded, each with a clear way out. */
public final class KernelSupport {
    static final Path TRACEFS = Path.of("/sys/kernel/tracing");
    private static final MethodHandle MOUNT;
    private static final MethodHandle GETEUID;
    static {
        Linker linker = Linker.nativeLinker();
        MOUNT = linker.downcallHandle(linker.defaultLookup().find("mount").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
        GETEUID = linker.downcallHandle(linker.defaultLookup().find("geteuid").orElseThrow(), FunctionDescriptor.of(JAVA_INT));
    }

    private KernelSupport() {}

    /** Throws {@link NotSupportedException} with the fix when the sensor cannot run here. */
    public static void check() {
        if (!isRoot()) {
            throw new NotSupportedException("root", "vigil loads eBPF programs and must run as root: use sudo ./vigil …");
        }
        if (!Files.isReadable(Path.of("/sys/kernel/btf/vmlinux"))) {
            throw new NotSupportedException("BTF", "this kernel has no /sys/kernel/btf/vmlinux: use a kernel built with CONFIG_DEBUG_INFO_BTF=y (5.8 or later)");
        }
        ensureMounted(TRACEFS, "tracefs");
        ensureMounted(Path.of("/sys/fs/bpf"), "bpf");
        if (!Files.isDirectory(TRACEFS.resolve("events/syscalls"))) {
            throw new NotSupportedException("syscall tracepoints",
                    TRACEFS + "/events/syscalls is missing: the kernel needs CONFIG_FTRACE_SYSCALLS=y");
        }
    }

    public static boolean isRoot() {
        try {
            return (int) GETEUID.invokeExact() == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    /** Mounts a pseudo file system where it is expected, as other agents do, when it is not there yet. */
    static void ensureMounted(Path where, String fstype) {
        if (Files.isDirectory(where) && hasEntries(where)) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) MOUNT.invokeExact(arena.allocateFrom(fstype), arena.allocateFrom(where.toString()),
                    arena.allocateFrom(fstype), 0L, MemorySegment.NULL);
            if (rc != 0 && !hasEntries(where)) {
                throw new NotSupportedException(fstype, "cannot mount " + fstype + " on " + where + ": mount it by hand (mount -t " + fstype + " " + fstype + " " + where + ")");
            }
        } catch (NotSupportedException e) {
            throw e;
        } catch (Throwable t) {
            throw new NotSupportedException(fstype, "cannot mount " + fstype + " on " + where + ": " + t.getMessage());
        }
    }

    private static boolean hasEntries(Path dir) {
        try (var s = Files.list(dir)) {
            return s.findAny().isPresent();
        } catch (Exception e) {
            return false;
        }
    }

    /** Whether the attach point a program's ELF section names exists on this kernel, and if not why. */
    static String missingAttachPoint(String section) {
        String tp = null;
        if (section.startsWith("tracepoint/")) {
            tp = section.substring("tracepoint/".length());
        } else if (section.startsWith("tp/")) {
            tp = section.substring("tp/".length());
        }
        if (tp != null && !Files.isDirectory(TRACEFS.resolve("events").resolve(tp))) {
            return "no tracepoint " + tp + " on this kernel";
        }
        return null;
    }
}
