package dev.vigil.enrich;

import dev.vigil.integrity.ElfExports;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the libraries of an LD_PRELOAD can do to the programs they are loaded into: the functions
 * they export that matter to a defender (listing directories, opening and stat'ing files, running
 * programs, authenticating, TLS, sockets, reading and writing descriptors), and whether one lives
 * where anyone can write or cannot be read at all. A library that wraps fsync (eatmydata) or malloc
 * (jemalloc) exports none of these. Each file is read once (ElfExports.cached).
 */
public final class PreloadedLibraries {
    private PreloadedLibraries() {}

    private static final Set<String> EXACT = Set.of("readdir", "readdir64", "readdir_r", "readdir64_r", "getdents", "getdents64",
            "open", "open64", "openat", "openat64", "fopen", "fopen64", "stat", "stat64", "lstat", "lstat64", "fstatat", "fstatat64",
            "__xstat", "__xstat64", "__lxstat", "__lxstat64", "statx", "access", "faccessat", "unlink", "unlinkat",
            "execve", "execv", "execvp", "execvpe", "execl", "execlp", "execle", "fexecve", "posix_spawn", "posix_spawnp", "system", "popen",
            "getpwnam", "getpwnam_r", "getspnam", "getspnam_r", "crypt", "crypt_r", "getpass",
            "connect", "accept", "accept4", "bind", "recv", "recvfrom", "recvmsg", "send", "sendto", "sendmsg", "read", "write",
            "dlopen", "dlsym", "ptrace", "kill");
    private static final List<String> PREFIXES = List.of("pam_", "SSL_read", "SSL_write", "EVP_");
    private static final List<String> ANYONE_WRITES = List.of("/tmp/", "/var/tmp/", "/dev/shm/", "/run/user/", "/home/", "/root/", "/run/shm/");

    /** A library's verdict: what it exports of interest, and whether it is in a place anyone writes or unreadable. */
    private record Verdict(List<String> interposes, boolean doubtful) {}


    /** The functions of interest the preloaded libraries export, sorted; empty when none. */
    public static List<String> interposes(String ldPreload) {
        Set<String> out = new TreeSet<>();
        for (String library : libraries(ldPreload)) {
            out.addAll(verdict(library).interposes());
        }
        return List.copyOf(out);
    }

    /** Whether a preloaded library lives where anyone can write (/tmp, /dev/shm, a home…), or cannot be read as a library. */
    public static boolean doubtful(String ldPreload) {
        for (String library : libraries(ldPreload)) {
            if (verdict(library).doubtful()) {
                return true;
            }
        }
        return false;
    }

    private static List<String> libraries(String ldPreload) {
        return java.util.Arrays.stream(ldPreload.split("[\\s:]+")).filter(s -> !s.isEmpty()).limit(16).toList();
    }

    /** Where ld.so looks for a preloaded name without a slash (Debian's multiarch and the classic directories). */
    private static final List<String> SEARCHED = List.of("/lib/x86_64-linux-gnu/", "/usr/lib/x86_64-linux-gnu/", "/lib/aarch64-linux-gnu/",
            "/usr/lib/aarch64-linux-gnu/", "/lib/", "/usr/lib/", "/lib64/", "/usr/lib64/", "/usr/local/lib/");

    private static Verdict verdict(String named) {
        String library = named;
        if (!named.contains("/")) {
            library = SEARCHED.stream().map(d -> d + named).filter(f -> Files.isRegularFile(Path.of(f))).findFirst().orElse(null);
            if (library == null) {
                return new Verdict(List.of(), true);
            }
        }
        boolean writable = !library.startsWith("/") || library.contains("/../") || ANYONE_WRITES.stream().anyMatch(library::startsWith);
        try {
            return new Verdict(ElfExports.cached(Path.of(library)).stream().filter(s -> EXACT.contains(s) || PREFIXES.stream().anyMatch(s::startsWith))
                    .sorted().limit(64).toList(), writable);
        } catch (IOException | RuntimeException unreadableOrNoLibrary) {
            return new Verdict(List.of(), true);
        }
    }
}
