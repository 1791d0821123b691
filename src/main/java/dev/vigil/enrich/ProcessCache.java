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
 * ancestry), then kept by exec events, and by fork and exit events when those hooks are on. A
 * process is its identity, pid and start time together: an exit removes only the process that
 * exited, never a newer one that reuses its pid, and a look-up with a start time never answers
 * with another process. Exited processes linger briefly so that events queued just before the
 * exit still find their process.
 *
 * <p>The kernel sends no fork or exit record by default (two of every three records of a
 * fork+exec+exit): a process that forked without exec enters the cache with its first event
 * ({@link #resolve}), as its parent's program, which is what a fork record would have said; and
 * processes gone from /proc leave it in a sweep once the cache has grown by {@link #SWEEP_EVERY}
 * entries, after lingering as an exited one does.
 */
public final class ProcessCache {
    private static final long CLOCK_TICK_NS = 10_000_000L; // USER_HZ = 100 on Linux
    private static final long LINGER_NS = 5_000_000_000L;
    /** Entries added between two sweeps against /proc: a sweep lists /proc once (~300 entries here) and visits each entry. */
    static final int SWEEP_EVERY = 4096;

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
    /** The pids in /proc now (a sweep's view); a test gives its own. */
    private final java.util.function.Supplier<java.util.Set<Integer>> running;
    private final java.util.function.LongSupplier clock;
    /** Entries a sweep found gone from /proc, and when (clock ns): removed by a sweep LINGER_NS later. */
    private final Map<Integer, Long> goneSince = new java.util.HashMap<>();
    private int sweepAt = SWEEP_EVERY;

    ProcessCache() {
        this(ProcessCache::pidsInProc, System::nanoTime);
    }

    ProcessCache(java.util.function.Supplier<java.util.Set<Integer>> running, java.util.function.LongSupplier clock) {
        this.running = running;
        this.clock = clock;
    }

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
        cache.sweepAt = cache.live.size() + SWEEP_EVERY;
        return cache;
    }

    /**
     * The pid a /proc entry is named by, or -1. This and {@link #sweepOne} are methods of their own
     * so that the JIT compiles them within a sweep's first few hundred entries: a sweep comes once
     * per 4,096 execs, too seldom for its loops to be compiled, and interpreted it cost ~5 ms.
     */
    private static int pidOf(Path dir) {
        String name = dir.getFileName().toString();
        int n = name.length();
        if (n == 0 || n >= 10) {
            return -1;
        }
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
        }
        return Integer.parseInt(name);
    }

    private static java.util.Set<Integer> pidsInProc() {
        java.util.Set<Integer> out = new java.util.HashSet<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path dir : dirs) {
                int pid = pidOf(dir);
                if (pid >= 0) {
                    out.add(pid);
                }
            }
        } catch (IOException unreadable) {
            return null;
        }
        return out;
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

    /** Applies exec events, and fork and exit events when those hooks are on; other events leave the cache alone (see {@link #resolve}). */
    public void update(Event e) {
        var h = e.header();
        switch (e) {
            case ExecEvent x when x.header().res() == 0 ->
                    add(new ProcessInfo(h.pid(), h.ppid(), h.startTime(), x.exe(), h.comm(), x.args(), h.uid(), x.capPermitted(), x.capEffective()));
            default -> {
                if (e.type() == EventType.FORK) {
                    add(forkOf(live.get(h.ppid()), h.pid(), h.ppid(), h.startTime(), h.comm(), h.uid()));
                } else if (e.type() == EventType.EXIT) {
                    expire(new Exited(new Identity(h.pid(), h.startTime()), h.ts()));
                }
            }
        }
    }

    /** A process that forked from `parent` (null: not known) and has not exec'd: its parent's program. */
    private static ProcessInfo forkOf(ProcessInfo parent, int pid, int ppid, long start, String comm, int uid) {
        return new ProcessInfo(pid, ppid, start, parent == null ? "" : parent.exe(), comm, parent == null ? List.of() : parent.args(), uid,
                parent == null ? -1 : parent.capPermitted(), parent == null ? -1 : parent.capEffective());
    }

    /**
     * The process `e` is about, entered now if the cache has not seen it (a fork that did not
     * exec): from the event's ancestry when it has one (every ancestor the cache lacks is its
     * nearest known ancestor's program), else from its parent, else from /proc while it runs.
     * Null when none of these knows it.
     */
    public ProcessInfo resolve(Event e) {
        var h = e.header();
        ProcessInfo known = get(h.pid(), h.startTime());
        if (known != null) {
            return known;
        }
        List<dev.vigil.event.PidTree.Node> tree = e.pidTree().nodes();
        if (!tree.isEmpty() && tree.get(0).pid() == h.pid()) {
            ProcessInfo nearest = null;
            for (int i = tree.size() - 1; i >= 0; i--) {
                var n = tree.get(i);
                ProcessInfo p = get((int) n.pid(), n.start());
                if (p == null && nearest != null) {
                    boolean self = i == 0;
                    p = forkOf(nearest, (int) n.pid(), self ? h.ppid() : (int) tree.get(i + 1).pid(), n.start(), self ? h.comm() : n.comm(),
                            self ? h.uid() : nearest.uid());
                    add(p);
                }
                if (p != null) {
                    nearest = p;
                }
            }
            ProcessInfo self = get(h.pid(), h.startTime());
            if (self != null) {
                return self;
            }
        }
        ProcessInfo parent = live.get(h.ppid());
        if (parent != null) {
            ProcessInfo p = forkOf(parent, h.pid(), h.ppid(), h.startTime(), h.comm(), h.uid());
            add(p);
            return p;
        }
        ProcessInfo running = readProc(Path.of("/proc/" + h.pid()));
        if (running != null && same(running, h.startTime())) {
            add(running);
            return running;
        }
        return null;
    }

    /** The parent of a process the cache holds, read from /proc (and entered) when the cache lacks it. */
    public ProcessInfo parentOf(int ppid) {
        ProcessInfo p = live.get(ppid);
        if (p == null && ppid > 0) {
            p = readProc(Path.of("/proc/" + ppid));
            if (p != null) {
                add(p);
            }
        }
        return p;
    }

    private void add(ProcessInfo p) {
        live.put(p.pid(), p);
        if (live.size() > sweepAt) {
            sweep();
        }
    }

    /**
     * Removes the processes gone from /proc for LINGER_NS or more (found gone at an earlier sweep):
     * with no exit records, this is how the cache forgets, and it keeps a process as long as an
     * exit would have.
     */
    private synchronized void sweep() {
        java.util.Set<Integer> now = running.get();
        long t = clock.getAsLong();
        if (now != null) {
            goneSince.keySet().retainAll(live.keySet());
            for (Integer pid : live.keySet()) {
                sweepOne(pid, now, t);
            }
        }
        sweepAt = live.size() + SWEEP_EVERY;
    }

    /** One entry of a sweep at `t`: found gone from /proc (`now`), and gone for LINGER_NS, it leaves. */
    private void sweepOne(Integer pid, java.util.Set<Integer> now, long t) {
        if (now.contains(pid)) {
            goneSince.remove(pid);
            return;
        }
        Long since = goneSince.putIfAbsent(pid, t);
        if (since != null && t - since >= LINGER_NS) {
            live.remove(pid);
            goneSince.remove(pid);
        }
    }

    private void expire(Exited now) {
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
