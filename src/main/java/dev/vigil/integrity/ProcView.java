package dev.vigil.integrity;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * What /proc says of processes, as the agent reads it: through libc (so a preload hider in the
 * agent filters the listing), bounded (a process's files are its own to shape).
 */
final class ProcView {
    private ProcView() {}

    static final Path PROC = Path.of("/proc");
    private static final int MAX_READ = 64 * 1024;

    /** A process as /proc shows it: its name and task flags (stat), argv[0], its executable's link and its initial LD_PRELOAD. */
    record Facts(int pid, String comm, long flags, String argv0, String exe, String ldPreload) {}

    /** The pids a readdir of /proc returns. */
    static Set<Integer> listing() throws IOException {
        Set<Integer> out = new HashSet<>();
        try (DirectoryStream<Path> d = Files.newDirectoryStream(PROC)) {
            for (Path p : d) {
                String n = p.getFileName().toString();
                if (!n.isEmpty() && n.length() < 11 && n.chars().allMatch(Character::isDigit)) {
                    out.add(Integer.parseInt(n));
                }
            }
        }
        return out;
    }

    /**
     * The pids a new process's readdir of /proc returns (ls, started now): a process started after a
     * hider went into /etc/ld.so.preload loads it, as ps does, where the agent's own JVM, started
     * before, does not.
     */
    static Set<Integer> listingOfANewProcess() throws IOException {
        Process ls = new ProcessBuilder("/bin/ls", "-1f", "/proc").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Set<Integer> out = new HashSet<>();
        try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(ls.getInputStream(), StandardCharsets.UTF_8))) {
            for (String n; (n = in.readLine()) != null; ) {
                if (!n.isEmpty() && n.length() < 11 && n.chars().allMatch(Character::isDigit)) {
                    out.add(Integer.parseInt(n));
                }
            }
        }
        try {
            if (!ls.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || ls.exitValue() != 0) {
                ls.destroyForcibly();
                throw new IOException("ls /proc failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        return out;
    }

    /** Whether /proc/PID answers when asked by name (a stat, not a listing). */
    static boolean answers(int pid) {
        return Files.exists(PROC.resolve(Integer.toString(pid)).resolve("stat"));
    }

    static String exe(int pid) {
        try {
            return Files.readSymbolicLink(PROC.resolve(Integer.toString(pid)).resolve("exe")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return "";
        }
    }

    static Optional<Facts> facts(int pid) {
        Path dir = PROC.resolve(Integer.toString(pid));
        try {
            String stat = new String(head(dir.resolve("stat")), StandardCharsets.UTF_8);
            int open = stat.indexOf('(');
            int close = stat.lastIndexOf(')');
            if (open < 0 || close < open) {
                return Optional.empty();
            }
            String comm = stat.substring(open + 1, close);
            String[] rest = stat.substring(close + 2).split(" ");
            long flags = rest.length > 6 ? Long.parseLong(rest[6]) : 0; // field 9 of stat
            byte[] cmdline = head(dir.resolve("cmdline"));
            int end = 0;
            while (end < cmdline.length && cmdline[end] != 0) {
                end++;
            }
            String argv0 = new String(cmdline, 0, end, StandardCharsets.UTF_8);
            return Optional.of(new Facts(pid, comm, flags, argv0, exe(pid), ldPreload(dir)));
        } catch (IOException | RuntimeException gone) {
            return Optional.empty();
        }
    }

    private static String ldPreload(Path dir) {
        byte[] env;
        try {
            env = head(dir.resolve("environ"));
        } catch (IOException unreadable) {
            return "";
        }
        int start = 0;
        for (int i = 0; i <= env.length; i++) {
            if (i == env.length || env[i] == 0) {
                if (i - start > 11 && env[start] == 'L' && new String(env, start, 11, StandardCharsets.ISO_8859_1).equals("LD_PRELOAD=")) {
                    return new String(env, start + 11, i - start - 11, StandardCharsets.UTF_8);
                }
                start = i + 1;
            }
        }
        return "";
    }

    static byte[] head(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(MAX_READ);
        }
    }
}
