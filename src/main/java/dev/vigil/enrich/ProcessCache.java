package dev.vigil.enrich;

import dev.vigil.event.Event;
import dev.vigil.event.EventType;
import dev.vigil.event.ExecEvent;
import dev.vigil.event.Text;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every live process: seeded from /proc at start (so processes older than the agent have an
 * ancestry), then kept by fork, exec and exit events. A process is its identity, pid and start
 * time together: an exit removes only the process that exited, never a newer one that reuses its
 * pid, and a look-up with a start time never answers with another process. Exited processes
 * linger briefly so that events queued just before the exit still find their process.
 */
public final class ProcessCache {
    private static final long CLOCK_TICK_NS = 10_000_000L; // USER_HZ = 100 on Linux
    private static final long LINGER_NS = 5_000_000_000L;

    /** One process: /proc gives start times in clock ticks, events in nanoseconds. */
    public record Identity(int pid, long startTime) {}

    /** The newest process seen with each pid. */
    private final Map<Integer, ProcessInfo> live = new ConcurrentHashMap<>();
    /** A process that exited, and when. */
    private record Exited(Identity who, long at) {}
    /**
     * Processes that exited, oldest first: each leaves the cache LINGER_NS later unless its pid was
     * taken since. A queue, so an exit costs the expired entries at its head, not a scan of all.
     */
    private final java.util.ArrayDeque<Exited> exited = new java.util.ArrayDeque<>();

    /** A cache that knows nothing yet: it fills from events alone. */
    public static ProcessCache empty() {
        return new ProcessCache();
    }

    public static ProcessCache fromProc() {
        ProcessCache cache = new ProcessCache();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path dir : dirs) {
                ProcessInfo info = readProc(dir);
                if (info != null) {
                    cache.seed(info);
                }
            }
        } catch (IOException unreadable) {
            // an empty cache still fills from events
        }
        return cache;
    }

    static ProcessInfo readProc(Path dir) {
        try {
            int pid = Integer.parseInt(dir.getFileName().toString());
            String stat = Files.readString(dir.resolve("stat"));
            int close = stat.lastIndexOf(')');
            String comm = stat.substring(stat.indexOf('(') + 1, close);
            String[] f = stat.substring(close + 2).split(" ");
            int ppid = Integer.parseInt(f[1]);
            long start = Long.parseLong(f[19]) * CLOCK_TICK_NS;
            String exe = "";
            try {
                exe = Files.readSymbolicLink(dir.resolve("exe")).toString();
            } catch (IOException kernelThread) {
                // no exe
            }
            byte[] raw = Files.readAllBytes(dir.resolve("cmdline"));
            List<String> args = new ArrayList<>();
            int s = 0;
            for (int k = 0; k < raw.length; k++) {
                if (raw[k] == 0) {
                    args.add(Text.decode(raw, s, k - s));
                    s = k + 1;
                }
            }
            int uid = -1;
            long caps = -1, effective = -1;
            for (String line : Files.readAllLines(dir.resolve("status"))) {
                if (line.startsWith("Uid:")) {
                    uid = Integer.parseInt(line.split("\\s+")[1]);
                } else if (line.startsWith("CapPrm:")) {
                    caps = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                } else if (line.startsWith("CapEff:")) {
                    effective = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                }
            }
            return new ProcessInfo(pid, ppid, start, exe, comm, List.copyOf(args), uid, caps, effective);
        } catch (IOException | RuntimeException gone) {
            return null;
        }
    }

    /** Adds a process read from /proc (start time in whole clock ticks). */
    void seed(ProcessInfo info) {
        live.put(info.pid(), info);
    }

    /** Applies fork, exec and exit events; other events leave the cache alone. */
    public void update(Event e) {
        var h = e.header();
        switch (e) {
            case ExecEvent x when x.header().res() == 0 ->
                    live.put(h.pid(), new ProcessInfo(h.pid(), h.ppid(), h.startTime(), x.exe(), h.comm(), x.args(), h.uid(), x.capPermitted(), x.capEffective()));
            default -> {
                if (e.type() == EventType.FORK) {
                    ProcessInfo parent = live.get(h.ppid());
                    live.put(h.pid(), new ProcessInfo(h.pid(), h.ppid(), h.startTime(),
                            parent == null ? "" : parent.exe(), h.comm(), parent == null ? List.of() : parent.args(), h.uid(),
                            parent == null ? -1 : parent.capPermitted(), parent == null ? -1 : parent.capEffective()));
                } else if (e.type() == EventType.EXIT) {
                    expire(new Exited(new Identity(h.pid(), h.startTime()), h.ts()));
                }
            }
        }
    }

    /** Past this many entries, processes whose exit was never seen (lost in a storm) are swept against /proc. */
    private volatile int sweepAt = 32_768;

    private void expire(Exited now) {
        if (live.size() > sweepAt) {
            live.keySet().removeIf(pid -> !Files.exists(Path.of("/proc/" + pid)));
            sweepAt = Math.max(32_768, live.size() * 2);
        }
        synchronized (exited) {
            exited.addLast(now);
            // exits come in kernel time order, give or take a CPU's batch: the head is the oldest
            while (!exited.isEmpty() && now.at() - exited.peekFirst().at() > LINGER_NS) {
                Identity gone = exited.pollFirst().who();
                live.computeIfPresent(gone.pid(), (pid, p) -> same(p, gone.startTime()) ? null : p);
            }
        }
    }

    /** Whether `p` is the process that started at `startTime` (ns; /proc-seeded entries are tick-rounded). */
    private static boolean same(ProcessInfo p, long startTime) {
        return startTime == p.startTime() || (p.startTime() % CLOCK_TICK_NS == 0 && startTime >= p.startTime()
                && startTime - p.startTime() < CLOCK_TICK_NS);
    }

    /** The newest process with this pid. */
    public ProcessInfo get(int pid) {
        return live.get(pid);
    }

    /** The process with this identity, or null when the cache holds another process under its pid. */
    public ProcessInfo get(int pid, long startTime) {
        ProcessInfo p = live.get(pid);
        return p != null && (startTime == 0 || same(p, startTime)) ? p : null;
    }

    public int size() {
        return live.size();
    }

    /** The chain from `pid` up to init, nearest first, at most `depth` entries. */
    public List<ProcessInfo> lineage(int pid, int depth) {
        List<ProcessInfo> out = new ArrayList<>();
        ProcessInfo p = live.get(pid);
        while (p != null && out.size() < depth) {
            out.add(p);
            if (p.ppid() == p.pid() || p.ppid() <= 0) {
                break;
            }
            p = live.get(p.ppid());
        }
        return out;
    }
}
