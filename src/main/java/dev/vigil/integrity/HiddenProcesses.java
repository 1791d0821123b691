package dev.vigil.integrity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;

/**
 * Cross-view: the kernel's own process list (walked in BPF, round init_task.tasks) against readdirs
 * of /proc. Two readdirs, both through libc: the agent's own, and a new process's (ls, started for
 * the purpose). A preload hider loads into every process started after it was installed: into ls
 * then, as into ps; into the agent's JVM too when the agent started after it. So each listing is
 * evidence to compare, never the truth. A process is hidden from a listing when both kernel walks,
 * one before the listings and one after, have it with the same start time (it lived through the
 * listing, which then had to return it) and neither of that listing's two looks has it. Then: does
 * /proc/PID still answer when asked by name? Yes: only listings are filtered (a userland hook on
 * readdir). No: /proc itself hides it (a hook in the kernel).
 */
final class HiddenProcesses {
    private HiddenProcesses() {}

    /** One listing of /proc, looked at twice, and whose it is ("the agent's", "a new process's"). */
    record Listing(String whose, Set<Integer> first, Set<Integer> second) {
        boolean has(int pid) {
            return first.contains(pid) || second.contains(pid);
        }
    }

    static List<Finding> compare(List<KernelReader.KernelTask> before, List<Listing> listings, List<KernelReader.KernelTask> after,
                                 IntPredicate answersByName, IntFunction<String> exeOf) {
        Map<Integer, KernelReader.KernelTask> stillThere = new HashMap<>();
        for (KernelReader.KernelTask t : after) {
            stillThere.put(t.tgid(), t);
        }
        List<Finding> out = new ArrayList<>();
        for (KernelReader.KernelTask t : before) {
            List<String> missing = listings.stream().filter(l -> !l.has(t.tgid())).map(Listing::whose).toList();
            if (t.tgid() == 0 || missing.isEmpty()) {
                continue;
            }
            KernelReader.KernelTask again = stillThere.get(t.tgid());
            if (again == null || again.startBoottime() != t.startBoottime()) {
                continue; // it ended (or its pid was reused) while the agent looked: not hidden, gone
            }
            boolean byName = answersByName.test(t.tgid());
            String from = String.join(" and ", missing);
            out.add(Finding.process(IntegrityCheck.HIDDEN_PROCESSES, t.tgid(), t.comm(), byName ? exeOf.apply(t.tgid()) : "",
                    byName ? "listing" : "proc",
                    byName ? "pid " + t.tgid() + " (" + t.comm() + ") is on the kernel's task list but missing from " + from + " readdir of /proc; /proc/"
                            + t.tgid() + " still answers: a userland hook filters directory listings"
                            : "pid " + t.tgid() + " (" + t.comm() + ") is on the kernel's task list but /proc has no trace of it: a hook in the kernel hides it"));
        }
        return out;
    }
}
