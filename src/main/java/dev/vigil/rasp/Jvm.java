package dev.vigil.rasp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A Java process on this host as /proc shows it: who runs it, which JDK, which main class, and what
 * it said about attach on its command line. Everything here is read from files the process
 * controls (its command line, its JDK's release file): bounded, and never trusted beyond display.
 *
 * @param pid         on the host
 * @param nsPid       in its own pid namespace (the attach files are named by it)
 * @param uid         effective user id
 * @param gid         effective group id
 * @param exe         the java launcher, in the process's own mount namespace
 * @param version     the JDK's JAVA_VERSION from its release file ("" when unknown)
 * @param main        the main class or -jar file
 * @param startTime   clock ticks since boot (field 22 of stat): with pid, the process's identity
 * @param attachOff   started with -XX:+DisableAttachMechanism
 * @param noSignals   started with -Xrs: no SIGQUIT handler, so attaching would kill it
 * @param containerId the container's id from the process's cgroup, "" on the host
 */
public record Jvm(int pid, int nsPid, int uid, int gid, String exe, String version, String main, long startTime,
                  boolean attachOff, boolean noSignals, String containerId) {
    private static final java.util.regex.Pattern CONTAINER_ID = java.util.regex.Pattern.compile("[0-9a-f]{64}");
    private static final int MAX_TEXT = 512;

    /** Every Java process on the host but this one. */
    public static List<Jvm> all() {
        List<Jvm> out = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (var dirs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path d : dirs) {
                int pid = Integer.parseInt(d.getFileName().toString());
                if (pid != self) {
                    of(pid).ifPresent(out::add);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list /proc", e);
        }
        out.sort(java.util.Comparator.comparingInt(Jvm::pid));
        return out;
    }

    /** The Java process `pid`, when it is one (its program is a java launcher) and still there. */
    public static Optional<Jvm> of(int pid) {
        Path proc = Path.of("/proc", Integer.toString(pid));
        try {
            String exe = Files.readSymbolicLink(proc.resolve("exe")).toString();
            if (!exe.endsWith("/java")) {
                return Optional.empty();
            }
            List<String> argv = cmdline(proc);
            String status = Files.readString(proc.resolve("status"), StandardCharsets.ISO_8859_1);
            int[] uids = ids(status, "Uid:"), gids = ids(status, "Gid:");
            int[] nspids = ids(status, "NSpid:");
            String stat = Files.readString(proc.resolve("stat"), StandardCharsets.ISO_8859_1);
            String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long start = Long.parseLong(after[19]);
            return Optional.of(new Jvm(pid, nspids.length == 0 ? pid : nspids[nspids.length - 1], uids[1], gids[1], bound(exe),
                    version(proc, exe), bound(main(argv)), start, argv.contains("-XX:+DisableAttachMechanism"), argv.contains("-Xrs"), container(proc)));
        } catch (IOException | RuntimeException gone) {
            return Optional.empty();
        }
    }

    /** Whether the process has its SIGQUIT handler (the JVM installs it early in start-up): before, SIGQUIT would end it. */
    public boolean catchesQuit() {
        try {
            String status = Files.readString(Path.of("/proc", Integer.toString(pid), "status"), StandardCharsets.ISO_8859_1);
            for (String line : status.split("\n")) {
                if (line.startsWith("SigCgt:")) {
                    return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << (3 - 1))) != 0;
                }
            }
        } catch (IOException | RuntimeException gone) {
            // not there any more
        }
        return false;
    }

    /** Whether the process is still the one this record describes (not exited, its pid not reused). */
    public boolean alive() {
        return of(pid).map(j -> j.startTime == startTime).orElse(false);
    }

    /** The process's filesystem as the agent reaches it (its own mount namespace's root). */
    public Path root() {
        return Path.of("/proc", Integer.toString(pid), "root");
    }

    /** The major Java version (8, 17, 25), 0 when unknown. */
    public int major() {
        String v = version.startsWith("1.") ? version.substring(2) : version;
        int end = 0;
        while (end < v.length() && Character.isDigit(v.charAt(end))) {
            end++;
        }
        return end == 0 ? 0 : Integer.parseInt(v.substring(0, Math.min(end, 4)));
    }

    private static List<String> cmdline(Path proc) throws IOException {
        byte[] raw = Files.readAllBytes(proc.resolve("cmdline"));
        List<String> out = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < raw.length && out.size() < 256; i++) {
            if (raw[i] == 0) {
                out.add(new String(raw, from, i - from, StandardCharsets.UTF_8));
                from = i + 1;
            }
        }
        return out;
    }

    /** The main class, or the jar after -jar, or the module after -m: the first argument the launcher does not take as its own. */
    static String main(List<String> argv) {
        for (int i = 1; i < argv.size(); i++) {
            String a = argv.get(i);
            switch (a) {
                case "-jar", "-m", "--module" -> {
                    return i + 1 < argv.size() ? argv.get(i + 1) : "";
                }
                case "-cp", "-classpath", "--class-path", "-p", "--module-path", "--add-modules", "--add-opens", "--add-exports" -> i++;
                default -> {
                    if (!a.startsWith("-")) {
                        return a;
                    }
                }
            }
        }
        return "";
    }

    private static String version(Path proc, String exe) {
        // exe is JAVA_HOME/bin/java in the process's own filesystem
        Path release = proc.resolve("root").resolve(exe.substring(1)).getParent().getParent().resolve("release");
        try {
            for (String line : Files.readAllLines(release, StandardCharsets.ISO_8859_1)) {
                if (line.startsWith("JAVA_VERSION=")) {
                    return bound(line.substring(13).replace("\"", ""));
                }
            }
        } catch (IOException | RuntimeException noRelease) {
            // a JRE without one
        }
        return "";
    }

    private static String container(Path proc) {
        try {
            var m = CONTAINER_ID.matcher(Files.readString(proc.resolve("cgroup"), StandardCharsets.ISO_8859_1));
            return m.find() ? m.group() : "";
        } catch (IOException gone) {
            return "";
        }
    }

    /** Whether this is a JVM of Vigil's own (an agent, a server, the bench): never a target, a security agent does not instrument another. */
    public boolean vigil() {
        return main.startsWith("dev.vigil.") && (main.endsWith(".cli.Main") || main.endsWith(".bench.BenchMain")) || main.equals("vigil.jar")
                || main.endsWith("/vigil.jar") || main.endsWith("/vigil-bench.jar");
    }

    /** How long the process has run, in ms (from its start in clock ticks and the system's uptime). */
    public long ageMillis() {
        try {
            String up = Files.readString(Path.of("/proc/uptime"), StandardCharsets.ISO_8859_1);
            double seconds = Double.parseDouble(up.substring(0, up.indexOf(' ')));
            return (long) (seconds * 1000) - startTime * 10;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Whether the process lives in a filesystem of its own (a container's mount namespace). */
    public boolean ownFilesystem() {
        try {
            return !Files.readSymbolicLink(Path.of("/proc", Integer.toString(pid), "ns", "mnt"))
                    .equals(Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")));
        } catch (IOException gone) {
            return false;
        }
    }

    private static int[] ids(String status, String key) {
        for (String line : status.split("\n")) {
            if (line.startsWith(key)) {
                String[] f = line.substring(key.length()).trim().split("\\s+");
                int[] out = new int[f.length];
                for (int i = 0; i < f.length; i++) {
                    out[i] = Integer.parseInt(f[i]);
                }
                return out;
            }
        }
        return new int[0];
    }

    private static String bound(String s) {
        return s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT);
    }
}
