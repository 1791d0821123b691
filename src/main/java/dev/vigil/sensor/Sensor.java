package dev.vigil.sensor;

import dev.vigil.bpf.BpfException;
import dev.vigil.bpf.BpfLink;
import dev.vigil.bpf.BpfMap;
import dev.vigil.bpf.BpfObject;
import dev.vigil.bpf.BpfProgram;
import dev.vigil.bpf.NotSupportedException;
import dev.vigil.bpf.RingBuffer;
import dev.vigil.event.Event;
import dev.vigil.event.EventType;
import dev.vigil.event.FileEvent;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The kernel side as one unit: the BPF object, its configuration, its links and the ring buffer.
 * Opening loads and attaches everything or nothing; closing detaches everything.
 */
public final class Sensor implements AutoCloseable {
    private static final String OBJECT = "/dev/vigil/bpf/vigil.bpf.o";
    /** Programs the process cache needs whatever hooks are on. */
    private static final Set<String> ALWAYS = Set.of("process__exec", "process__fork", "process__exit", "cgroup__mkdir", "cgroup__rmdir");

    /** The verifier checks programs one by one, so loading spreads over the cores (up to four). */
    private static final int LOAD_THREADS = Math.clamp(Runtime.getRuntime().availableProcessors(), 1, 4);

    private final BpfObject object;
    private final List<BpfLink> links = new ArrayList<>();
    private final RingBuffer ring;
    private final BpfMap losses;
    private final Set<EventType> hooks;
    private final Map<String, String> unavailable;
    private final RecordDecoder decoder = new RecordDecoder();
    /** Records rejected by the decoder, by event name ("unknown" when the type itself is bad). */
    private final Map<String, Long> decodeFailures = new java.util.TreeMap<>();
    private final Consumer<Event> sink;
    private final Event previousTamper;
    /** The watch list's three kernel maps (by directory and name, by inode, by path prefix); null when no file hook is on. */
    private BpfMap watchedByName, watchedByInode, watchedPrefixes;
    /** Which (inode, device) the two key maps above name, for opens to test first; set before each key is written. */
    private WatchHints watchHints;
    /** Every path asked to be watched with what it reports (Watch bits), so inode keys can follow files replaced under the same name. */
    private final Map<Path, Integer> watchBits = new java.util.LinkedHashMap<>();
    /** The configuration as written to the kernel, rewritten when the first subtree watch arrives. */
    private SensorOptions options;
    private BpfMap configMap;
    private boolean watchTrees;
    private final Set<Path> homesSeen = new java.util.HashSet<>();
    private boolean containersScanned;
    private long nextWatchRefreshNs = System.nanoTime();
    private long lastWatchRefreshNs;
    private static final long WATCH_REFRESH_NS = 10_000_000_000L;
    /** The least time between two refreshes brought forward by changes: renames cannot buy a refresh per drain. */
    private static final long WATCH_REFRESH_SOON_NS = 1_000_000_000L;
    /** Changes to watched files seen, and how many of them a refresh has run after. */
    private long watchChangesSeen, watchChangesKeyed;
    /** The inode key each watched file has now. */
    private final InodeKeys inodeKeys = new InodeKeys();
    /** What each watched path was (see {@link #onDisk}) when its keys were last written: a refresh rewrites only the paths that changed. */
    private final Map<Path, List<Long>> writtenFor = new java.util.HashMap<>();
    /** Watched files and watch directories by (inode, kernel dev): where a watched file event's watch sits on the host. */
    private final Map<List<Long>, Path> hostPaths = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_HOST_PATHS = 100_000;
    /** Watched files' names matched anywhere on an overlay, with their bits. */
    private final Map<String, Integer> overlayNames = new java.util.HashMap<>();
    /** The watch list inside containers; null when no file hook is on. */
    private ContainerWatches containerWatches;

    private Sensor(SensorOptions options, Consumer<Event> sink) {
        this.sink = sink;
        this.hooks = options.hooks().isEmpty() ? EnumSet.noneOf(EventType.class) : EnumSet.copyOf(options.hooks());
        BpfObject obj = BpfObject.open("vigil", objectBytes(), LOAD_THREADS);
        RingBuffer rb = null;
        try {
            List<AttachPoint> points = AttachPoint.of(obj);
            this.unavailable = selectPrograms(points, hooks, options.rawSyscalls());
            if (options.tamperLog()) {
                pinTamperLog(obj);
            }
            obj.load();
            List<String> mismatch = WireCheck.differences(obj.btf());
            if (!mismatch.isEmpty()) {
                throw new NotSupportedException("wire layout", "Java and vigil.h disagree (rebuild): " + String.join("; ", mismatch));
            }
            this.previousTamper = takeTamperLog(obj.map("tamper_log"));
            configure(obj, options);
            List<AttachPoint> toAttach = points.stream()
                    .filter(p -> selected(p.name(), hooks) && !unavailable.containsKey(p.name())).toList();
            attachAll(toAttach, links);
            obj.closeLoaders();
            this.losses = obj.map("losses");
            rb = new RingBuffer(obj.map("events"), obj.map("reader_waiting"), this::onRecord);
            this.ring = rb;
            this.object = obj;
            firstRefresh();
            // every hook's loss counters read once now (about 600 look-ups, and the JIT's compiling of the read):
            // the first drain, at ready, then reads only the totals, as every later one does while nothing is lost
            losses();
        } catch (RuntimeException e) {
            if (rb != null) {
                rb.close();
            }
            closeAll(links);
            obj.close();
            throw e;
        }
    }

    /** Loads, configures and attaches; the sensor then delivers events to `sink` from {@link #poll}. */
    public static Sensor open(SensorOptions options, Consumer<Event> sink) {
        KernelSupport.check();
        return new Sensor(options, sink);
    }

    static byte[] objectBytes() {
        try (InputStream in = Sensor.class.getResourceAsStream(OBJECT)) {
            if (in == null) {
                throw new NotSupportedException("BPF object", OBJECT + " is not on the classpath: build with ./vigil build");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new BpfException("read " + OBJECT, e);
        }
    }

    private static boolean selected(String program, Set<EventType> hooks) {
        if (ALWAYS.contains(program)) {
            return true;
        }
        for (EventType h : hooks) {
            for (String prefix : Hooks.of(h).programPrefixes()) {
                if (program.startsWith(prefix) && !prefix.equals("process__")) {
                    return true;
                }
            }
        }
        return program.startsWith("process__") && hooks.contains(EventType.EXECVE);
    }

    /**
     * Turns autoload off for programs none of whose attach points a selected hook needs or this
     * kernel has; returns the attach points left out because the kernel lacks them.
     */
    private static Map<String, String> selectPrograms(List<AttachPoint> points, Set<EventType> hooks, boolean rawSyscalls) {
        Map<String, String> missing = new LinkedHashMap<>();
        Set<String> familiesWithTracepoints = new java.util.HashSet<>();
        for (AttachPoint p : points) {
            String why = KernelSupport.missingAttachPoint(p.section());
            if (why != null) {
                missing.put(p.name(), why);
            } else if (!p.name().endsWith("_raw")) {
                familiesWithTracepoints.add(family(p.name()));
            }
        }
        Set<BpfProgram> needed = new java.util.HashSet<>();
        for (AttachPoint p : points) {
            boolean raw = p.name().endsWith("_raw");
            if (raw && (!rawSyscalls || familiesWithTracepoints.contains(family(p.name())))) {
                missing.putIfAbsent(p.name(), rawSyscalls ? "not needed: the per-syscall tracepoints exist"
                        : "raw_syscalls fallback runs on every syscall: only with --hooks all or the hook by name");
            }
            if (!missing.containsKey(p.name()) && selected(p.name(), hooks)) {
                needed.add(p.program());
            }
        }
        for (AttachPoint p : points) {
            p.program().autoload(needed.contains(p.program()));
        }
        return missing;
    }

    /**
     * Attaching and detaching a tracepoint program each wait for the kernel to synchronise
     * (RCU): one after the other, ~80 programs take seconds. Independent links, so in parallel.
     */
    private static final int LINK_THREADS = 16;

    private static void attachAll(List<AttachPoint> points, List<BpfLink> into) {
        List<BpfLink> attached = java.util.Collections.synchronizedList(new ArrayList<>());
        RuntimeException failed = null;
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(LINK_THREADS, Thread.ofPlatform().daemon().factory())) {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (AttachPoint p : points) {
                done.add(pool.submit(() -> attached.add(p.attach())));
            }
            for (var f : done) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    failed = failed != null ? failed
                            : e.getCause() instanceof RuntimeException r ? r : new BpfException("attach", e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failed = failed != null ? failed : new BpfException("attach interrupted", e);
                }
            }
        }
        into.addAll(attached);
        if (failed != null) {
            throw failed;
        }
    }

    /** Closes every link (in parallel, see {@link #attachAll}); the first failure, or null. */
    private static RuntimeException closeAll(List<BpfLink> links) {
        List<RuntimeException> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(LINK_THREADS, Thread.ofPlatform().daemon().factory())) {
            for (BpfLink l : links) {
                pool.submit(() -> {
                    try {
                        l.close();
                    } catch (RuntimeException e) {
                        failures.add(e);
                    }
                });
            }
        }
        return failures.isEmpty() ? null : failures.getFirst();
    }

    /** Where the tamper log outlives the agent; the value size in the name keeps an incompatible old pin apart. */
    static final String TAMPER_PIN = "/sys/fs/bpf/vigil/tamper_log-" + Wire.TASK.byteSize();

    /** Pins the tamper log when bpffs is there and we may use it; without it a SIGKILL goes unexplained, nothing else changes. */
    private static void pinTamperLog(BpfObject obj) {
        try {
            Path bpffs = Path.of("/sys/fs/bpf");
            if (!Files.isDirectory(bpffs) || !"bpf".equals(Files.getFileStore(bpffs).type()) || !Files.isWritable(bpffs)) {
                return;
            }
            Path dir = bpffs.resolve("vigil");
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            // bpffs is often world-writable (1777): a folder someone else made is not ours to trust
            Map<String, Object> a = Files.readAttributes(dir, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
            if (((Number) a.get("uid")).intValue() != 0 || (((Number) a.get("mode")).intValue() & 0077) != 0) {
                return;
            }
            obj.map("tamper_log").pinAt(TAMPER_PIN);
        } catch (IOException | RuntimeException unavailable) {
            // the tamper log then lives only as long as the agent
        }
    }

    /** The tamper record an earlier run left (it was killed before it could report it), cleared once read. */
    private Event takeTamperLog(BpfMap log) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(Wire.TASK);
            if (!log.lookup(arena.allocateFrom(JAVA_INT, 0), value) || value.get(JAVA_LONG, Offsets.of(Wire.HEADER, "ts")) == 0) {
                return null;
            }
            log.update(0, arena.allocate(Wire.TASK));
            try {
                return decoder.decode(value);
            } catch (MalformedRecordException bad) {
                decodeFailures.merge(EventType.AGENT_TAMPER.eventName(), 1L, Long::sum);
                return null;
            }
        }
    }

    /** What someone did to the previous agent on this host that it did not live to report (a SIGKILL), if anything. */
    public java.util.Optional<Event> previousTamper() {
        return java.util.Optional.ofNullable(previousTamper);
    }

    private static String family(String program) {
        int i = program.indexOf("__");
        return i < 0 ? program : program.substring(0, i);
    }

    private void writeConfig() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cfg = arena.allocate(Wire.CONFIG);
            cfg.set(JAVA_INT, Offsets.of(Wire.CONFIG, "agent_tgid"), (int) ProcessHandle.current().pid());
            cfg.set(JAVA_INT, Offsets.of(Wire.CONFIG, "argv_max"), options.argvMax());
            cfg.set(JAVA_INT, Offsets.of(Wire.CONFIG, "scan_threshold"), options.scanThreshold());
            cfg.set(JAVA_INT, Offsets.of(Wire.CONFIG, "scan_window_ms"), options.scanWindowMs());
            cfg.set(JAVA_INT, Offsets.of(Wire.CONFIG, "env_max"), options.envMax());
            cfg.set(JAVA_INT, Offsets.of(Wire.CONFIG, "watch_trees"), watchTrees ? 1 : 0);
            cfg.set(JAVA_INT, Offsets.of(Wire.CONFIG, "connect_repeats"), options.connectRepeats());
            cfg.set(JAVA_INT, Offsets.of(Wire.CONFIG, "memory_repeats"), SensorOptions.MEMORY_REPEATS);
            cfg.set(JAVA_LONG, Offsets.of(Wire.CONFIG, "connect_window_ns"), SensorOptions.CONNECT_WINDOW_MS * 1_000_000L);
            if (options.rateLimit() > 0) {
                cfg.set(JAVA_LONG, Offsets.of(Wire.CONFIG, "rate_interval_ns"), Math.max(1, 1_000_000_000L / options.rateLimit()));
                cfg.set(JAVA_LONG, Offsets.of(Wire.CONFIG, "rate_burst_ns"), 1_000_000_000L); // a second's worth ahead
            }
            configMap.update(0, cfg);
        }
    }

    private void configure(BpfObject obj, SensorOptions options) {
        this.options = options;
        this.configMap = obj.map("vigil_cfg");
        writeConfig();
        try (Arena arena = Arena.ofConfined()) {

            BpfMap switches = obj.map("hook_switch");
            MemorySegment on = arena.allocateFrom(JAVA_INT, 1);
            for (EventType h : hooks) {
                switches.update(h.number(), on);
            }
            if (hooks.contains(EventType.GUARDED_SIGNAL)) {
                BpfMap guarded = obj.map("guarded_names");
                MemorySegment yes = arena.allocateFrom(JAVA_BYTE, (byte) 1);
                for (String name : GuardedNames.DEFAULT) {
                    MemorySegment key = arena.allocate(Wire.COMM_LEN);
                    byte[] b = GuardedNames.comm(name).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                    MemorySegment.copy(b, 0, key, JAVA_BYTE, 0, b.length);
                    guarded.update(key, yes);
                }
            }
            if (hooks.contains(EventType.MMAP_EXEC)) {
                BpfMap dirs = obj.map("writable_dirs");
                for (Path dir : WritablePlaces.marked()) {
                    try {
                        long ino = (long) Files.getAttribute(dir, "unix:ino"), dev = kernelDev((long) Files.getAttribute(dir, "unix:dev"));
                        dirs.update(inodeKey(List.of(ino, dev), arena), on);
                    } catch (IOException | UnsupportedOperationException absent) {
                        // not on this host: nothing below it to mark
                    }
                }
            }
            if (hooks.contains(EventType.FILE_READ) || hooks.contains(EventType.FILE_WRITE) || hooks.contains(EventType.WATCHED_CHANGE)) {
                watchedByName = obj.map("watched");
                watchedByInode = obj.map("watched_inodes");
                watchHints = new WatchHints(obj.map("watch_hints"));
                watchedPrefixes = obj.map("watched_prefixes");
                watch(options.watchPaths());
                for (Watch w : options.watches()) {
                    watch(List.of(w.path()), w.bits());
                }
                containerWatches = new ContainerWatches(ownMntns(), new ContainerWatches.Keys() {
                    @Override
                    public List<Object> add(Path root, long cgroupId) {
                        return watchUnder(root);
                    }

                    @Override
                    public void remove(Object key) {
                        unwatch(key);
                    }
                });
            }
        }
    }

    /** Where cgroup v2 is mounted: /sys/fs/cgroup itself, or beside the v1 hierarchies on a hybrid host. */
    private static Path cgroupV2() {
        Path unified = Path.of("/sys/fs/cgroup/unified");
        return Files.isRegularFile(unified.resolve("cgroup.procs")) ? unified : Path.of("/sys/fs/cgroup");
    }

    /** The agent's mount namespace, as the kernel numbers it in event headers (0 when unreadable). */
    private static int ownMntns() {
        try {
            String link = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString();
            return (int) Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
        } catch (IOException | RuntimeException unreadable) {
            return 0;
        }
    }


    /**
     * Adds paths to the kernel's watch list while running (rules and tools may extend it): a file
     * by its directory and name and by its inode, a directory by its inode for every entry.
     * Paths that do not exist yet are watched once they do (see {@link #refreshWatches}).
     */
    public synchronized void watch(List<Path> paths) {
        watch(paths, Watch.READ | Watch.WRITE);
    }

    /** As {@link #watch(List)}, reporting only what `bits` say (Watch.READ, WRITE; TREE for all below a directory). */
    public synchronized void watch(List<Path> paths, int bits) {
        if (watchedByName == null) {
            return;
        }
        for (Path p : paths) {
            watchBits.merge(p, bits, (a, b) -> a | b);
        }
        if ((bits & Watch.TREE) != 0 && !watchTrees) {
            watchTrees = true;
            writeConfig();
        }
        try (Arena arena = Arena.ofConfined()) {
            watchEntries(paths, arena);
        }
    }


    /**
     * Every ten seconds, and soon after a watched file was renamed, removed or written as another
     * inode (see {@link #refreshSoon}): homes created since (from /etc/passwd) join the watch
     * list, and inode keys follow watched files that were replaced (passwd and editors write a
     * new file and rename it over the old).
     */
    private synchronized void refreshWatches() {
        long now = System.nanoTime();
        if (watchedByName == null || now < nextWatchRefreshNs) {
            return;
        }
        scanContainersOnce();
        watchChangesKeyed = watchChangesSeen;
        lastWatchRefreshNs = now;
        nextWatchRefreshNs = now + WATCH_REFRESH_NS;
        watchNewHomes();
        List<Path> changed = new ArrayList<>();
        for (Path p : watchBits.keySet()) {
            if (!onDisk(p).equals(writtenFor.get(p))) {
                changed.add(p);
            }
        }
        if (!changed.isEmpty()) {
            try (Arena arena = Arena.ofConfined()) {
                watchEntries(changed, arena);
            }
        }
    }

    private void scanContainersOnce() {
        if (!containersScanned && containerWatches != null) {
            containerWatches.scanRunning(cgroupV2());
        }
        containersScanned = true;
    }

    /**
     * Homes created since the last look (from /etc/passwd) join the watch list; at the first look,
     * the homes whose files the configuration watches already (as {@link WatchList#defaults} does)
     * cost no rewrite of their keys.
     */
    private void watchNewHomes() {
        List<Path> added = new ArrayList<>();
        int both = Watch.READ | Watch.WRITE;
        for (Path home : WatchList.homes()) {
            if (homesSeen.add(home)) {
                for (Path p : WatchList.forHome(home)) {
                    if ((watchBits.getOrDefault(p, 0) & both) != both) {
                        added.add(p);
                    }
                }
            }
        }
        if (!added.isEmpty()) {
            watch(added);
        }
    }

    /**
     * The first refresh's work (the containers running now, the homes) as the sensor opens, and not
     * in the first drain, at ready: a build started then paid 20 – 23 ms of the sensor's thread for
     * it, and C1's compiling of it (docs/benchmarks.md), most of it writing again the keys of the
     * homes' files the configuration had just written. Those paths are not looked at again here. A
     * failure leaves it to the drains.
     */
    private synchronized void firstRefresh() {
        if (watchedByName == null) {
            return;
        }
        try {
            scanContainersOnce();
            watchNewHomes();
            lastWatchRefreshNs = System.nanoTime();
            nextWatchRefreshNs = lastWatchRefreshNs + WATCH_REFRESH_NS;
        } catch (RuntimeException notNow) {
            nextWatchRefreshNs = System.nanoTime();
        }
    }

    /**
     * Brings the next refresh forward to the next drain, at most once a second. Until it runs, a
     * replaced file's new inode is unkeyed: a hard link made to it would be read unwatched.
     */
    private synchronized void refreshSoon() {
        watchChangesSeen++;
        nextWatchRefreshNs = Math.min(nextWatchRefreshNs, Math.max(System.nanoTime(), lastWatchRefreshNs + WATCH_REFRESH_SOON_NS));
    }

    /** Every change to a watched file seen so far has had a refresh run after it. */
    synchronized boolean watchChangesKeyed() {
        return watchChangesKeyed == watchChangesSeen;
    }

    /**
     * What a path's keys depend on: its own inode and type, and its directory's inode (two stats).
     * Rewriting every key of every path each refresh cost ~50 ms of the sensor's thread (3 map
     * updates and ~10 stats a path) for a list that seldom changes.
     */
    private static List<Long> onDisk(Path p) {
        long[] own = inodeAndMode(p, LinkOption.NOFOLLOW_LINKS), dir = p.getParent() == null ? new long[3] : inodeAndMode(p.getParent());
        long[] target = (own[2] & 0170000) == 0120000 ? inodeAndMode(p) : new long[3]; // a link: what it points to, too
        return List.of(own[0], own[1], own[2], dir[0], dir[1], target[0], target[2]);
    }

    /** (inode, device, mode) of `p`; zeros when it does not exist. */
    private static long[] inodeAndMode(Path p, LinkOption... follow) {
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:ino,dev,mode", follow);
            return new long[] {(long) a.get("ino"), (long) a.get("dev"), (int) a.get("mode")};
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException absent) {
            return new long[3];
        }
    }

    /** A directory is keyed (its inode, ""), a file (its directory's inode, its name) and (its own inode). */
    private void watchEntries(List<Path> paths, Arena arena) {
        for (Path p : paths) {
            writtenFor.put(p, onDisk(p));
            int bits = watchBits.getOrDefault(p, Watch.READ | Watch.WRITE);
            MemorySegment value = arena.allocateFrom(JAVA_INT, Files.isDirectory(p) ? bits : bits & ~Watch.TREE);
            try {
                prefix(p, arena, value);
            } catch (RuntimeException full) {
                // the prefix map is full: the inode and name entries below still watch it
            }
            if (!Files.isDirectory(p) && p.getFileName() != null) {
                watchAnywhereOnOverlay(p.getFileName().toString(), bits & ~Watch.TREE, arena);
            }
            List<Long> own = null;
            for (WatchKey k : putKeys(p, value, arena)) {
                if (hostPaths.size() < MAX_HOST_PATHS) {
                    hostPaths.put(List.of(k.ino(), (long) k.dev()), k.name() == null || k.name().isEmpty() ? p : p.getParent());
                }
                if (k.name() == null) {
                    own = List.of(k.ino(), (long) k.dev());
                }
            }
            List<Long> released = own == null ? null : inodeKeys.hold(p, own); // a file gone for now keeps its key
            if (released != null) {
                watchedByInode.delete(inodeKey(released, arena));
            }
        }
    }

    /** A watched file's name, matched in any directory of an overlay (a container's copy): directory 0, device 0. */
    private void watchAnywhereOnOverlay(String name, int bits, Arena arena) {
        Integer had = overlayNames.get(name);
        if (name.getBytes(StandardCharsets.UTF_8).length > 27 || had != null && (had | bits) == had) {
            return;
        }
        int all = had == null ? bits : had | bits;
        try {
            watchHints.set(0, 0, arena);
            watchedByName.update(nameKey(new WatchKey(0, 0, name), arena), arena.allocateFrom(JAVA_INT, all));
            overlayNames.put(name, all);
        } catch (RuntimeException full) {
            // the map is full: containers' copies are watched through their own keys only
        }
    }

    /**
     * A key of the watch list: a file's own inode (name null), or a name in a directory (the
     * directory's inode; "" for the directory itself).
     */
    record WatchKey(long ino, int dev, String name) {}

    /** Writes the kernel's keys for the file or directory at `p` with `value`, and returns them. */
    private List<WatchKey> putKeys(Path p, MemorySegment value, Arena arena) {
        List<WatchKey> out = new ArrayList<>(2);
        try {
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                WatchKey own = new WatchKey((long) Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS),
                        kernelDev((long) Files.getAttribute(p, "unix:dev", LinkOption.NOFOLLOW_LINKS)), null);
                watchHints.set(own.ino(), own.dev(), arena);
                watchedByInode.update(inodeKey(List.of(own.ino(), (long) own.dev()), arena), value);
                out.add(own);
            }
            boolean dir = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
            Path keyDir = dir ? p : p.getParent();
            if (keyDir == null || !Files.isDirectory(keyDir)) {
                return out;
            }
            String name = dir ? "" : p.getFileName().toString();
            byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
            if (nameBytes.length > 27) {
                return out;
            }
            WatchKey named = new WatchKey((long) Files.getAttribute(keyDir, "unix:ino"), kernelDev((long) Files.getAttribute(keyDir, "unix:dev")), name);
            watchHints.set(named.ino(), named.dev(), arena);
            watchedByName.update(nameKey(named, arena), value);
            out.add(named);
        } catch (IOException | UnsupportedOperationException unreadable) {
            // a path that does not exist yet is watched through its directory when listed so
        }
        return out;
    }

    /** The watched paths as found under a container's root (keys only: no prefixes, no host paths); the keys added. */
    private synchronized List<Object> watchUnder(Path root) {
        List<Object> added = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            for (Map.Entry<Path, Integer> w : watchBits.entrySet()) {
                Path inside = ContainerWatches.under(root, w.getKey());
                MemorySegment value = arena.allocateFrom(JAVA_INT, Files.isDirectory(inside) ? w.getValue() : w.getValue() & ~Watch.TREE);
                added.addAll(putKeys(inside, value, arena));
            }
        } catch (RuntimeException full) {
            // a kernel map is full: what was added stays, and is removed with the container
        }
        return added;
    }

    private synchronized void unwatch(Object key) {
        if (!(key instanceof WatchKey k) || hostPaths.containsKey(List.of(k.ino(), (long) k.dev()))) {
            return; // a container that saw the host's own file or folder (a bind mount): the host's key stays
        }
        try (Arena arena = Arena.ofConfined()) {
            if (k.name() == null) {
                watchedByInode.delete(inodeKey(List.of(k.ino(), (long) k.dev()), arena));
            } else {
                watchedByName.delete(nameKey(k, arena));
            }
        } catch (RuntimeException gone) {
            // already gone
        }
    }

    private static MemorySegment nameKey(WatchKey k, Arena arena) {
        byte[] nameBytes = k.name().getBytes(StandardCharsets.UTF_8);
        MemorySegment key = arena.allocate(Wire.WATCH_KEY);
        key.set(JAVA_LONG, Offsets.of(Wire.WATCH_KEY, "dir_ino"), k.ino());
        key.set(JAVA_INT, Offsets.of(Wire.WATCH_KEY, "dev"), k.dev());
        MemorySegment.copy(nameBytes, 0, key, JAVA_BYTE, Offsets.of(Wire.WATCH_KEY, "name"), nameBytes.length);
        return key;
    }

    /**
     * The path as a prefix for path-named calls: a directory as "dir/" (everything below it), a
     * file (or a name not created yet) with its NUL, so it matches itself only. Paths longer
     * than the key are watched by their first bytes.
     */
    private void prefix(Path p, Arena arena, MemorySegment value) {
        String s = p.toAbsolutePath().normalize().toString();
        boolean dir = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
        byte[] bytes = (dir && !s.endsWith("/") ? s + "/" : s).getBytes(StandardCharsets.UTF_8);
        int len = Math.min(bytes.length, Wire.WATCH_PREFIX_MAX - 1);
        MemorySegment key = arena.allocate(Wire.WATCH_PREFIX);
        MemorySegment.copy(bytes, 0, key, JAVA_BYTE, Offsets.of(Wire.WATCH_PREFIX, "path"), len);
        boolean whole = !dir && bytes.length < Wire.WATCH_PREFIX_MAX;
        key.set(JAVA_INT, Offsets.of(Wire.WATCH_PREFIX, "prefixlen"), (len + (whole ? 1 : 0)) * 8);
        watchedPrefixes.update(key, value);
    }

    private static MemorySegment inodeKey(List<Long> inoDev, Arena arena) {
        MemorySegment k = arena.allocate(Wire.INODE_KEY);
        k.set(JAVA_LONG, Offsets.of(Wire.INODE_KEY, "ino"), inoDev.get(0));
        k.set(JAVA_INT, Offsets.of(Wire.INODE_KEY, "dev"), inoDev.get(1).intValue());
        return k;
    }

    /** glibc's st_dev encoding to the kernel's internal dev_t (major << 20 | minor). */
    static int kernelDev(long dev) {
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
        long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
        return (int) ((major << 20) | (minor & 0xfffff));
    }

    /** Decodes one record and delivers it; a malformed one is counted as a decode loss. */
    void onRecord(MemorySegment rec) {
        Event e;
        try {
            e = decoder.decode(rec);
        } catch (MalformedRecordException bad) {
            EventType t = rec.byteSize() >= 4 ? EventType.ofNumber(rec.get(JAVA_INT, 0)) : null;
            decodeFailures.merge(t == null ? "unknown" : t.eventName(), 1L, Long::sum);
            return;
        }
        if (e instanceof FileEvent f && (f.type() == EventType.FILE_READ || f.type() == EventType.FILE_WRITE)) {
            e = f.withHostPath(hostPath(f));
        } else if (e instanceof FileEvent f && f.type() == EventType.WATCHED_CHANGE) {
            if (f.flags() == FileEvent.WATCHED_LINK) { // the inode stays watched once the name is replaced
                keepLinked(f.path());
            } else if (f.flags() != FileEvent.WATCHED_TRUNCATE) { // a truncate keeps the inode
                refreshSoon();
            }
            if (!hooks.contains(EventType.WATCHED_CHANGE)) {
                return; // the kernel reported a rename or a link for the watch list's upkeep only
            }
        } else if (containerWatches != null) {
            containerWatches.saw(e);
        }
        sink.accept(e);
    }

    /** A hard link was made to the watched file at `path`: its inode's key outlasts a replacement of the name. */
    private synchronized void keepLinked(String path) {
        try {
            inodeKeys.keep(Path.of(path).normalize());
        } catch (java.nio.file.InvalidPathException unnameable) {
            // not a watched path, then
        }
    }

    private synchronized boolean watchedPath(Path p) {
        return watchBits.containsKey(p);
    }

    /**
     * Where a watched file sits on the host: the watched file itself (its inode), or its name in a
     * watched directory (the directory's inode). The kernel matched one of these keys; the path the
     * event carries is the opener's, which in a container is the container's name for the file.
     * A watched file matched by its name and not by its inode was made anew under that name: its
     * new inode is keyed at the next drain.
     */
    private String hostPath(FileEvent f) {
        Path file = hostPaths.get(List.of(f.ino(), f.dev()));
        if (file != null) {
            return file.toString();
        }
        Path dir = hostPaths.get(List.of(f.dirIno(), f.dev()));
        if (dir == null) {
            return "";
        }
        int slash = f.path().lastIndexOf('/');
        String name = f.path().substring(slash + 1);
        if (name.isEmpty() || name.equals("..") || name.equals(".")) {
            return "";
        }
        try {
            Path named = dir.resolve(name);
            if (watchedPath(named)) {
                refreshSoon();
            }
            return named.toString();
        } catch (java.nio.file.InvalidPathException unnameable) {
            return "";
        }
    }

    /** Waits up to `timeoutMillis` for the kernel to announce records (see {@link RingBuffer#awaitWakeup}); true if it did. */
    public boolean awaitRecords(int timeoutMillis) {
        return ring.awaitWakeup(timeoutMillis);
    }

    /** Sleeps up to `timeoutMillis` until a first record comes (see {@link RingBuffer#awaitFirstRecord}); true if one did. */
    public boolean awaitFirstRecord(int timeoutMillis) {
        return ring.awaitFirstRecord(timeoutMillis);
    }

    /** Whether the programs are told that the reader sleeps until a first record. */
    boolean readerWaiting() {
        return ring.readerWaiting();
    }

    /** From now on {@link #awaitRecords} returns at once: for closing, from any thread. */
    public void stopWaiting() {
        ring.stopWaiting();
    }

    /** Delivers the records in the ring, and refreshes the watch list when it is due; returns how many records. */
    public int drain() {
        int n = ring.drain();
        try {
            refreshWatches();
        } catch (RuntimeException notNow) {
            // the watch list stays as it was; the next refresh tries again
        }
        return n;
    }

    /** The last {@link #drain} left records in the ring (it stops at a budget), which no wakeup will announce. */
    public boolean recordsLeft() {
        return ring.budgetSpent();
    }

    /** Turns one hook's switch in the kernel on or off while running; its programs stay attached. */
    synchronized void switchHook(EventType hook, boolean on) {
        try (Arena arena = Arena.ofConfined()) {
            object.map("hook_switch").update(hook.number(), arena.allocateFrom(JAVA_INT, on ? 1 : 0));
        }
    }

    /** Containers whose own files are watched by name only, their keys past the budget (see ContainerWatches). */
    public long containersUnwatched() {
        ContainerWatches w = containerWatches;
        return w == null ? 0 : w.unwatched();
    }

    public Set<EventType> hooks() {
        return Set.copyOf(hooks);
    }

    /** Attach points left out because this kernel lacks them, with the reason. */
    public Map<String, String> unavailable() {
        return Map.copyOf(unavailable);
    }

    /** The kernel's run counts and times of every attached program (counting only while bpf_stats_enabled is on). */
    public List<dev.vigil.bpf.RunStats> programStats() {
        Set<String> attached = new java.util.HashSet<>();
        links.forEach(l -> attached.add(l.program()));
        return object.programs().stream().filter(p -> attached.contains(p.name())).map(BpfProgram::stats).toList();
    }

    /** Loss counters summed over CPUs, plus records the decoder rejected or a consumer threw on. */
    public LossReport losses() {
        int cpus = BpfMap.possibleCpus();
        int slots = 1024, causes = LossReport.KERNEL_CAUSES.length;
        long[][] kernel;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(JAVA_INT);
            MemorySegment values = arena.allocate(8L * cpus);
            long[] totals = new long[causes];
            for (int cause = 0; cause < causes; cause++) {
                totals[cause] = lossCounter(LossReport.ALL_HOOKS * causes + cause, key, values, cpus);
            }
            synchronized (lossesRead) {
                // every hook's counters (a few hundred look-ups) only when the totals moved: once a second costs five
                if (!java.util.Arrays.equals(totals, lossesRead.totals)) {
                    long[][] read = new long[slots][causes];
                    for (int type : typesInUse()) {
                        for (int cause = 0; cause < causes; cause++) {
                            read[type][cause] = lossCounter(type * causes + cause, key, values, cpus);
                        }
                    }
                    lossesRead.byHook = read;
                    lossesRead.totals = totals;
                }
                kernel = lossesRead.byHook;
            }
        }
        Map<String, Long> decode = new java.util.TreeMap<>(decodeFailures);
        if (ring.consumerFailures() > 0) {
            decode.merge("consumer", ring.consumerFailures(), Long::sum);
        }
        return LossReport.of(kernel, decode);
    }

    /** The loss map's counters as last read by hook, and the all-hooks totals they were read at. */
    private static final class LossesRead {
        long[] totals;
        long[][] byHook;
    }

    private final LossesRead lossesRead = new LossesRead();

    /** One loss counter summed over the CPUs; 0 when the map has no such slot. */
    private long lossCounter(int slot, MemorySegment key, MemorySegment values, int cpus) {
        key.set(JAVA_INT, 0, slot);
        if (!losses.lookup(key, values)) {
            return 0;
        }
        long sum = 0;
        for (int c = 0; c < cpus; c++) {
            sum += values.getAtIndex(JAVA_LONG, c);
        }
        return sum;
    }

    private static int[] typesInUse() {
        return java.util.Arrays.stream(EventType.values()).mapToInt(EventType::number).toArray();
    }

    @Override
    public void close() {
        RuntimeException first = closeAll(links);
        links.clear();
        try {
            ring.close();
            // a clean stop reported everything: leave no record for the next start to raise
            try (Arena arena = Arena.ofConfined()) {
                object.map("tamper_log").update(0, arena.allocate(Wire.TASK));
            } catch (RuntimeException alreadyGone) {
                // nothing to clear
            }
        } finally {
            object.close();
        }
        if (first != null) {
            throw first;
        }
    }
}
