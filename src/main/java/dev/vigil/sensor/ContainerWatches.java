package dev.vigil.sensor;

import dev.vigil.event.Event;
import dev.vigil.event.EventType;
import dev.vigil.event.Header;
import dev.vigil.event.TaskEvent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The watch list inside containers. A container's own /etc/shadow is another inode than the
 * host's, so the host's watch keys never match it. When a process in a mount namespace not seen
 * yet runs a program or mounts something, and its root (/proc/PID/root) is not the host's, the
 * watched paths are looked up under that root and their keys (the file's inode, its name in its
 * directory) go to the kernel as the host's do. The runtime pivots into the container's root and
 * then mounts over /proc entries (runc's masked paths) before the container's program starts, so
 * the keys are usually in place before it runs; a program that opens a file at once as the
 * container's very first process may be earlier than its keys. A container's keys go when its
 * cgroup does. At most {@link #MAX_KEYS} keys for all containers together; past that, a new
 * container is counted (the agent's summary and health say how many) and its files are matched
 * by their names on the overlay only.
 */
final class ContainerWatches {
    static final int MAX_KEYS = 8192;
    private static final int FOUND = -1;
    /** Looks at a namespace still at the host's root before it is taken for a sandbox that never pivots (unshare -m). */
    private static final int MAX_LOOKS = 16;
    /** Mount namespaces remembered: past this, the oldest are forgotten (and looked at again if seen). */
    private static final int MAX_NAMESPACES = 4096;

    /** What adds the keys of the watched paths under a root; returns each key added, to remove later. */
    interface Keys {
        List<Object> add(Path root, long cgroupId);

        void remove(Object key);
    }

    private final int hostMntns;
    private final List<Long> hostRoot;
    private final Keys keys;
    private final int maxKeys;
    /**
     * Mount namespaces looked at: FOUND once their root was found, else how many programs ran in
     * them at the host's root (a runtime mounts and runs in its namespace before it pivots into the
     * container's root).
     */
    private final Map<Integer, Looked> namespaces = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Looked> eldest) {
            return size() > MAX_NAMESPACES;
        }
    };
    /** A namespace as last looked at, and the cgroup it was seen in: the kernel reuses a freed namespace's number. */
    private record Looked(long cgroupId, int looks) {}

    /** Roots watched, by (inode, dev), and the keys each added, by the cgroup of the process it was found through. */
    private final Map<List<Long>, Long> roots = new HashMap<>();
    private final Map<Long, List<Object>> byCgroup = new HashMap<>();
    private int keyCount;
    private volatile long unwatched;

    ContainerWatches(int hostMntns, Keys keys) {
        this(hostMntns, keys, MAX_KEYS);
    }

    /** With a budget of `maxKeys` keys for all containers (tests use a small one). */
    ContainerWatches(int hostMntns, Keys keys, int maxKeys) {
        this.hostMntns = hostMntns;
        this.keys = keys;
        this.maxKeys = maxKeys;
        this.hostRoot = rootOf(Path.of("/"));
    }

    /** Looks at an exec, a mount or a cgroup's removal; any other event is passed over at the cost of a type test. */
    void saw(Event e) {
        if (e instanceof TaskEvent.Cgroup c) {
            if (c.removed()) {
                forget(c.cgroupId());
            }
            return;
        }
        EventType t = e.type();
        if (t != EventType.EXECVE && t != EventType.MOUNT) {
            return;
        }
        Header h = e.header();
        if (h.res() >= 0) {
            consider(h.pid(), h.mntns(), h.cgroupId(), t == EventType.MOUNT);
        }
    }

    /**
     * A process `pid` in mount namespace `mntns` and cgroup `cgroupId` ran a program, or mounted
     * something (`mounted`: a runtime mounts many times before and after it pivots, so every mount
     * is looked at until the root is found; programs run at the host's root, MAX_LOOKS times).
     */
    private void consider(int pid, int mntns, long cgroupId, boolean mounted) {
        if (mntns == hostMntns || mntns == 0) {
            return;
        }
        Looked seen = namespaces.get(mntns);
        Integer looks = seen == null || seen.cgroupId() != cgroupId ? null : seen.looks();
        if (looks != null && (looks == FOUND || !mounted && looks >= MAX_LOOKS)) {
            return;
        }
        Path root = Path.of("/proc/" + pid + "/root");
        List<Long> key = rootOf(root);
        if (key == null || key.equals(hostRoot)) {
            namespaces.put(mntns, new Looked(cgroupId, (looks == null ? 0 : looks) + (mounted ? 0 : 1)));
            return;
        }
        namespaces.put(mntns, new Looked(cgroupId, FOUND));
        if (roots.containsKey(key)) {
            return;
        }
        if (keyCount >= maxKeys) {
            unwatched = unwatched + 1; // written by the poll thread only
            return;
        }
        roots.put(key, cgroupId);
        List<Object> added = keys.add(root, cgroupId);
        keyCount += added.size();
        byCgroup.computeIfAbsent(cgroupId, c -> new ArrayList<>()).addAll(added);
    }

    /**
     * Once, after start: the containers already running, from /proc (each process's mount
     * namespace, and its cgroup v2 directory's inode, which is the id events carry).
     */
    void scanRunning(Path cgroupV2) {
        try (var procs = Files.newDirectoryStream(Path.of("/proc"), d -> d.getFileName().toString().matches("\\d{1,10}"))) {
            for (Path dir : procs) {
                try {
                    String ns = Files.readSymbolicLink(dir.resolve("ns/mnt")).toString();
                    int mntns = (int) Long.parseLong(ns.substring(ns.indexOf('[') + 1, ns.indexOf(']')));
                    if (mntns == hostMntns || namespaces.containsKey(mntns) || Files.size(dir.resolve("cmdline")) == 0) {
                        continue; // the host's, seen already, or a kernel thread's (kdevtmpfs has a namespace of its own)
                    }
                    long cgroupId = 0;
                    for (String line : Files.readAllLines(dir.resolve("cgroup"))) {
                        if (line.startsWith("0::/")) {
                            cgroupId = (long) Files.getAttribute(cgroupV2.resolve(line.substring(4)), "unix:ino");
                        }
                    }
                    consider(Integer.parseInt(dir.getFileName().toString()), mntns, cgroupId, false);
                } catch (IOException | RuntimeException gone) {
                    // the process ended, or is the kernel's
                }
            }
        } catch (IOException unreadable) {
            // containers found as their processes run programs
        }
    }

    private void forget(long cgroupId) {
        List<Object> added = byCgroup.remove(cgroupId);
        if (added == null) {
            return;
        }
        added.forEach(keys::remove);
        keyCount -= added.size();
        roots.values().removeIf(c -> c == cgroupId);
    }

    /** Containers left unwatched because the keys for containers were all used. */
    long unwatched() {
        return unwatched;
    }

    int keys() {
        return keyCount;
    }

    private static List<Long> rootOf(Path root) {
        try {
            return List.of((long) Files.getAttribute(root, "unix:ino"), (long) Files.getAttribute(root, "unix:dev"));
        } catch (IOException | RuntimeException gone) {
            return null;
        }
    }

    /** `path` (absolute) under `root`, without following a last symbolic link. */
    static Path under(Path root, Path path) {
        return root.resolve(path.toString().substring(1));
    }
}
