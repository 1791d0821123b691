package dev.vigil.integrity;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** A directory opened by path for its descriptor number (libc's open and close): what integrity_file_ops reads the operations of. */
final class Descriptors {
    private Descriptors() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle OPEN = LINKER.downcallHandle(LINKER.defaultLookup().find("open").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final int O_RDONLY_DIRECTORY_CLOEXEC = 0x10000 | 0x80000;

    /** The descriptor of `path` opened as a directory, or -1. */
    static int openDirectory(String path) {
        try (Arena a = Arena.ofConfined()) {
            return (int) OPEN.invokeExact(a.allocateFrom(path), O_RDONLY_DIRECTORY_CLOEXEC);
        } catch (Throwable t) {
            return -1;
        }
    }

    static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            // nothing more to do
        }
    }
}
