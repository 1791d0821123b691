package dev.vigil.integrity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Preloaded libraries that hide: one named by /etc/ld.so.preload (loaded into every new process,
 * the agent's own JVM included) or by a process's LD_PRELOAD, which exports a directory-listing
 * function (readdir and its relatives, getdents): libprocesshider and its descendants, which filter
 * /proc so that ps and top miss a miner. A library that interposes nothing of the kind (a malloc, a
 * tracer) is no finding; the kernel rules already report writes to ld.so.preload.
 */
final class PreloadHiders {
    static final Set<String> LISTING = Set.of("readdir", "readdir64", "readdir_r", "readdir64_r", "getdents", "getdents64");
    /** Interposed beside a listing function, they say what else the library hides from (files opened, stat'ed). */
    static final Set<String> FILE_ACCESS = Set.of("fopen", "fopen64", "open", "open64", "openat", "openat64", "stat", "stat64", "lstat",
            "lstat64", "fstatat", "fstatat64", "__xstat", "__xstat64", "__lxstat", "__lxstat64", "__fxstatat", "__fxstatat64", "statx",
            "access", "faccessat", "opendir", "fdopendir");
    static final Path LD_SO_PRELOAD = Path.of("/etc/ld.so.preload");


    /** The libraries ld.so.preload names (whitespace or colon separated, as ld.so reads it). */
    static List<String> named(String preloadFile) {
        List<String> out = new ArrayList<>();
        for (String line : preloadFile.split("\n")) {
            String l = line.strip();
            if (l.startsWith("#")) {
                continue;
            }
            for (String p : l.split("[\\s:]+")) {
                if (!p.isEmpty()) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /** The listing and file functions this library exports, when it exports a listing function; empty otherwise or when unreadable. */
    List<String> hiding(String library) {
        try {
            Set<String> exports = ElfExports.cached(Path.of(library));
            if (exports.stream().noneMatch(LISTING::contains)) {
                return List.of();
            }
            return exports.stream().filter(s -> LISTING.contains(s) || FILE_ACCESS.contains(s)).sorted().toList();
        } catch (IOException | RuntimeException unreadable) {
            return List.of();
        }
    }

    Finding fromPreloadFile(String library) {
        List<String> symbols = hiding(library);
        return symbols.isEmpty() ? null : Finding.process(IntegrityCheck.PRELOAD_HIDERS, 0, "", "", library,
                "/etc/ld.so.preload loads " + library + " into every new process, and it exports " + String.join(", ", symbols)
                        + ": a hider of processes or files").withSymbols(symbols);
    }

    Finding fromProcess(int pid, String comm, String exe, String library) {
        List<String> symbols = hiding(library);
        return symbols.isEmpty() ? null : Finding.process(IntegrityCheck.PRELOAD_HIDERS, pid, comm, exe, library,
                "pid " + pid + " runs with LD_PRELOAD=" + library + ", which exports " + String.join(", ", symbols)
                        + ": what it lists of processes and files is filtered").withSymbols(symbols);
    }
}
