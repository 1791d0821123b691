package dev.vigil.enrich;

import dev.vigil.event.Endpoints;
import dev.vigil.event.EventType;
import dev.vigil.event.ExecEvent;
import dev.vigil.event.Header;
import dev.vigil.event.PidTree;
import dev.vigil.event.TaskEvent;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The process cache keys a process by pid and start time: pid reuse never mixes two processes. */
class ProcessCacheTest {
    private static final long S = 1_000_000_000L;

    private static Header header(EventType type, long ts, int pid, int ppid, long start, String comm) {
        return new Header(type, ts, start, 0, pid, pid, ppid, pid, pid, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, comm);
    }

    private static TaskEvent fork(long ts, int pid, int ppid, long start) {
        return new TaskEvent.Fork(header(EventType.FORK, ts, pid, ppid, start, "sh"), ppid);
    }

    private static TaskEvent exit(long ts, int pid, long start) {
        return new TaskEvent.Exit(header(EventType.EXIT, ts, pid, 1, start, "sh"), 0);
    }

    private static ExecEvent exec(long ts, int pid, long start, String exe) {
        return new ExecEvent(header(EventType.EXECVE, ts, pid, 1, start, "x"), PidTree.EMPTY, exe, List.of(exe), false, "/", "", "",
                "", "", "", exe, Endpoints.NONE, 0, false, 0, 0, List.of(), false, 0, 0, 0);
    }

    @Test
    void aReusedPidSurvivesTheExitOfItsPredecessor() {
        ProcessCache cache = new ProcessCache();
        cache.update(fork(0, 100, 1, 5 * S));
        cache.update(exec(S, 100, 5 * S, "/usr/bin/old"));
        cache.update(exit(2 * S, 100, 5 * S));
        // the pid is taken again by a new process, before the old one's linger time is over
        cache.update(fork(3 * S, 100, 1, 8 * S));
        cache.update(exec(3 * S, 100, 8 * S, "/usr/bin/new"));
        // long after: another exit runs the expiry
        cache.update(fork(20 * S, 200, 1, 19 * S));
        cache.update(exit(20 * S, 200, 19 * S));
        ProcessInfo p = cache.get(100);
        assertNotNull(p, "the live process with the reused pid is kept");
        assertEquals("/usr/bin/new", p.exe());
        assertEquals(8 * S, p.startTime());
    }

    @Test
    void aLookUpByIdentityNeverAnswersWithAnotherProcess() {
        ProcessCache cache = new ProcessCache();
        cache.update(fork(0, 300, 1, 5 * S));
        cache.update(exec(S, 300, 5 * S, "/usr/bin/a"));
        assertEquals("/usr/bin/a", cache.get(300, 5 * S).exe());
        assertNull(cache.get(300, 6 * S), "an event from another process with that pid finds nothing, not the wrong exe");
        // /proc gives start times in clock ticks: a seeded entry matches events of the same tick
        ProcessInfo seeded = new ProcessInfo(400, 1, 7 * S, "/usr/sbin/sshd", "sshd", List.of(), 0);
        ProcessCache fromProc = new ProcessCache();
        fromProc.seed(seeded);
        assertEquals(seeded, fromProc.get(400, 7 * S + 4_000_000L));
        assertNull(fromProc.get(400, 7 * S + 40_000_000L));
    }

    private static TaskEvent setuid(int pid, int ppid, long start, PidTree tree) {
        return new TaskEvent.UpdateCred(header(EventType.UPDATE_CRED, 0, pid, ppid, start, "sh"), tree, 1000);
    }

    /** With no fork records, a process that forked without exec enters with its first event, as its parent's program. */
    @Test
    void aForkThatDidNotExecIsItsParentsProgram() {
        ProcessCache cache = new ProcessCache(java.util.Set::of, () -> 0);
        cache.update(exec(S, 500, 5 * S, "/usr/bin/bash"));
        ProcessInfo child = cache.resolve(setuid(501, 500, 6 * S, PidTree.EMPTY));
        assertEquals("/usr/bin/bash", child.exe());
        assertEquals(500, child.ppid());
        assertEquals(child, cache.get(501, 6 * S));
        // from the event's ancestry, the ancestors the cache lacks (a subshell's subshell) too
        PidTree tree = new PidTree(List.of(new PidTree.Node(503, 8 * S, "sh"), new PidTree.Node(502, 7 * S, "bash"),
                new PidTree.Node(500, 5 * S, "bash"), new PidTree.Node(1, S, "init")));
        ProcessInfo grandchild = cache.resolve(setuid(503, 502, 8 * S, tree));
        assertEquals("/usr/bin/bash", grandchild.exe());
        ProcessInfo middle = cache.get(502, 7 * S);
        assertNotNull(middle, "the intermediate fork is entered from the ancestry");
        assertEquals(500, middle.ppid());
        assertEquals(List.of(503, 502, 500), cache.lineage(503, 3).stream().map(ProcessInfo::pid).toList());
    }

    /** Without exit records, processes gone from /proc leave in a sweep, after lingering as an exited one does. */
    @Test
    void processesGoneFromProcAreSweptAfterLingering() {
        long[] now = {0};
        java.util.Set<Integer> running = new java.util.HashSet<>(List.of(1));
        ProcessCache cache = new ProcessCache(() -> running, () -> now[0]);
        cache.update(exec(0, 1, S, "/sbin/init"));
        int pid = 10;
        for (; pid < 10 + ProcessCache.SWEEP_EVERY + 1; pid++) {
            cache.update(exec(0, pid, 2 * S, "/bin/true")); // each gone from /proc at once
        }
        assertNotNull(cache.get(10), "the first sweep only marks the gone: an event still queued finds its process");
        now[0] = 6 * S;
        for (int i = 0; i < ProcessCache.SWEEP_EVERY + 1; i++, pid++) {
            cache.update(exec(0, pid, 2 * S, "/bin/true"));
        }
        assertNull(cache.get(10), "gone from /proc for longer than the linger: swept");
        assertNotNull(cache.get(1), "a running process stays");
        assertTrue(cache.size() < 2 * ProcessCache.SWEEP_EVERY, "the first batch left the cache: " + cache.size());
    }
}
