package dev.vigil.sensor;

import dev.vigil.event.Endpoints;
import dev.vigil.event.EventType;
import dev.vigil.event.ExecEvent;
import dev.vigil.event.Header;
import dev.vigil.event.PidTree;
import dev.vigil.event.TaskEvent;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which processes get the watch list looked up under their root: a real process in a mount
 * namespace of its own with a root of its own (unshare -m and chroot, as a runtime pivots), fed
 * to ContainerWatches as the sensor would feed its exec; keys added once per container, again
 * for a new container reusing a freed namespace's number, removed with its cgroup, and a
 * container past the keys' budget counted.
 */
class ContainerWatchesTest {
    private static ExecEvent exec(int pid, int mntns, long cgroup) {
        Header h = new Header(EventType.EXECVE, 1, 1, cgroup, pid, pid, 1, pid, pid, 0, 0, 0, 0, -1, 0, 0, mntns, 0, 0, "sleep");
        return new ExecEvent(h, PidTree.EMPTY, "/bin/busybox", List.of("sleep"), false, "/", "", "", "", "", "", "/bin/busybox",
                Endpoints.NONE, 0, false, 0, 0, List.of(), false, 0, 1, 0);
    }

    private static int mntns(String link) {
        return (int) Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
    }

    private static boolean chrooted(Path rootLink, Path root, Path ns) {
        try {
            return Files.readSymbolicLink(rootLink).equals(root.toRealPath())
                    && !Files.readSymbolicLink(ns).equals(Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")));
        } catch (java.io.IOException notYet) {
            return false;
        }
    }

    @Test
    void aProcessWithARootOfItsOwnIsLookedAtOncePerContainer() throws Exception {
        LiveSensor.requireRoot(); // to make a mount namespace and chroot
        Path root = Files.createTempDirectory("vigil-watch-root");
        Process p = null;
        try {
            Files.createDirectories(root.resolve("bin"));
            Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
            p = new ProcessBuilder("unshare", "-m", "chroot", root.toString(), "/bin/busybox", "sleep", "60").start();
            Path ns = Path.of("/proc/" + p.pid() + "/ns/mnt");
            // until unshare has made the namespace and chroot has changed the root: the host has a /bin/busybox too, so the
            // root is known changed only when /proc/PID/root names the new one (between unshare and chroot it is still /)
            Path rootLink = Path.of("/proc/" + p.pid() + "/root");
            for (int i = 0; i < 3000 && !chrooted(rootLink, root, ns); i++) {
                Thread.sleep(10);
            }
            assertTrue(chrooted(rootLink, root, ns), "unshare and chroot done within 30 s");
            int theirs = mntns(Files.readSymbolicLink(ns).toString()), ours = mntns(Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString());
            List<Path> added = new ArrayList<>();
            List<Object> removed = new ArrayList<>();
            ContainerWatches w = new ContainerWatches(ours, new ContainerWatches.Keys() {
                @Override
                public List<Object> add(Path r, long cgroupId) {
                    added.add(r);
                    return List.of("key-" + cgroupId);
                }

                @Override
                public void remove(Object key) {
                    removed.add(key);
                }
            });
            w.saw(exec((int) ProcessHandle.current().pid(), ours, 5)); // the host's own namespace: nothing to do
            assertEquals(List.of(), added);
            w.saw(exec((int) p.pid(), theirs, 7));
            assertEquals(List.of(Path.of("/proc/" + p.pid() + "/root")), added, "its root looked at");
            w.saw(exec((int) p.pid(), theirs, 7));
            assertEquals(1, added.size(), "once per container");
            assertEquals(1, w.keys());
            w.saw(new TaskEvent.Cgroup(exec(0, 0, 7).header(), 7, true, "/docker/x"));
            assertEquals(List.of("key-7"), removed, "removed with its cgroup");
            assertEquals(0, w.keys());
            w.saw(exec((int) p.pid(), theirs, 9));
            assertEquals(2, added.size(), "a new container that reuses the namespace's number is looked at again");
            assertEquals(0, w.unwatched());
            // with no keys left for containers, the container is counted (the agent's summary and health show it)
            ContainerWatches full = new ContainerWatches(ours, new ContainerWatches.Keys() {
                @Override
                public List<Object> add(Path r, long cgroupId) {
                    throw new AssertionError("no keys past the budget");
                }

                @Override
                public void remove(Object key) {
                }
            }, 0);
            full.saw(exec((int) p.pid(), theirs, 7));
            assertEquals(1, full.unwatched());
        } finally {
            if (p != null) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            new ProcessBuilder("rm", "-rf", root.toString()).start().waitFor();
        }
    }
}
