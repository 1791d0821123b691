package dev.vigil.enrich;

import dev.vigil.event.Event;
import dev.vigil.event.EventType;
import dev.vigil.event.ExecEvent;
import dev.vigil.event.TaskEvent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Keeps the process cache current and adds context to every event before passing it on. */
public final class Enricher implements Consumer<Event> {
    private final ProcessCache cache;
    private final Users users = new Users(Path.of("/etc/passwd"));
    private final Containers containers = new Containers(Path.of("/sys/fs/cgroup"));
    private final Consumer<EnrichedEvent> next;
    /** The host's name in every event and process identity: the kernel's hostname, or the fleet's host id. */
    private final String nodename;
    private final long rootPns = namespace("/proc/1/ns/pid");
    private final long hostMntns = namespace("/proc/self/ns/mnt");
    private final long bootToWallNs = BootClock.bootToWallOffsetNs();
    private final PipeRelays relays = new PipeRelays();
    private final ResolvedNames names = new ResolvedNames();

    public Enricher(ProcessCache cache, Consumer<EnrichedEvent> next) {
        this(cache, next, hostname());
    }

    /** Events named as coming from `host` (a fleet's host id) rather than the kernel's hostname. */
    public Enricher(ProcessCache cache, Consumer<EnrichedEvent> next, String host) {
        this.cache = cache;
        this.next = next;
        this.nodename = host;
    }

    public ProcessCache cache() {
        return cache;
    }

    @Override
    public void accept(Event e) {
        if (e instanceof TaskEvent.Cgroup c) {
            containers.cgroupChanged(c.cgroupId(), c.path(), c.removed());
            return;
        }
        cache.update(e);
        if (e instanceof dev.vigil.event.DnsEvent d) {
            names.saw(d);
        }
        next.accept(enrich(e, relays.observe(e)));
    }

    /** The event with its context, without touching the cache or passing it on. */
    public EnrichedEvent enrich(Event e) {
        return enrich(e, null);
    }

    private EnrichedEvent enrich(Event e, String pipeRelay) {
        var h = e.header();
        ProcessInfo self = cache.resolve(e);
        String exe = e instanceof ExecEvent || self == null ? "" : self.exe();
        Containers.Info inside = containers.container(h.cgroupId());
        String container = inside == null ? "" : inside.shortId();
        boolean inContainer = !container.isEmpty() || (hostMntns != 0 && Integer.toUnsignedLong(h.mntns()) != hostMntns
                && h.mntns() != 0);
        ProcessInfo target = null;
        if (e instanceof TaskEvent t && t.targetPid() > 0) {
            target = cache.get((int) t.targetPid(), t.targetStart());
        }
        String dipName = null, sipName = null; // from the DNS replies seen before this event
        if (e instanceof dev.vigil.event.NetEvent n) {
            dipName = names.nameOf(n.addr().dip());
            sipName = names.nameOf(n.addr().sip());
        }
        return new EnrichedEvent(e, h.ts() + bootToWallNs, exe, users.name(h.uid()), container, nodename, rootPns,
                inContainer, self, cache.parentOf(h.ppid()), target, inside, pipeRelay, dipName, sipName);
    }

    public static String hostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException e) {
            return "";
        }
    }

    private static long namespace(String path) {
        try {
            String link = Files.readSymbolicLink(Path.of(path)).toString();
            return Long.parseLong(link.replaceAll("\\D", ""));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
