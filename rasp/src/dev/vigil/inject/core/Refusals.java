package dev.vigil.inject.core;

/**
 * What a blocked call throws: the exception its API declares for a failure of that kind, so that
 * the application handles a block as it handles any such failure, with a message that says why.
 */
final class Refusals {
    private Refusals() {}

    static final String WHY = "blocked by Vigil's RASP";

    static Throwable of(Hook h, String target) {
        switch (h.event) {
            case "jvm_process":
                return new java.io.IOException("Cannot run program \"" + target + "\": " + WHY);
            case "jvm_jndi":
                return naming(target);
            case "jvm_deserialize":
                return new java.io.InvalidClassException(target, WHY);
            case "jvm_native_load":
                return new UnsatisfiedLinkError(target + ": " + WHY);
            case "jvm_connect":
                return new java.net.ConnectException(target + ": " + WHY);
            case "jvm_file":
                return h.owner.startsWith("java/io/") ? new java.io.FileNotFoundException(target + " (" + WHY + ")")
                        : new java.nio.file.AccessDeniedException(target, null, WHY);
            default: // a class definition, a web component: refused as the platform refuses what its security forbids
                return new SecurityException(target + ": " + WHY);
        }
    }

    /** javax.naming is a module of its own, not always in the JVM (a jlink'd runtime): its exception, found when it is. */
    private static Throwable naming(String name) {
        try {
            return (Throwable) Class.forName("javax.naming.NamingException").getConstructor(String.class).newInstance(name + ": " + WHY);
        } catch (ReflectiveOperationException | LinkageError none) {
            return new SecurityException(name + ": " + WHY);
        }
    }
}
