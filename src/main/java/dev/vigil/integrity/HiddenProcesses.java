package dev.vigil.integrity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;

/**
 * Cross-view: the kernel's own process list (walked in BPF, round init_task.tasks) against a readdir
 * of /proc made by the agent. That readdir goes through libc, so a preload hider loaded into every
 * new process, the agent's JVM included, filters it as it filters ps: the listing is evidence to
 * compare, never the truth. A process is hidden when both kernel walks, one before the listing and
 * one after it, have it with the same start time (so it lived through the whole listing, which then
 * had to return it), and neither listing has it. Then: is /proc/PID still there when asked by name?
 * Yes: only the listing is filtered (a userland hook on readdir). No: /proc itself hides it (a hook
 * in the kernel).
 */
final class HiddenProcesses {
    private HiddenProcesses() {}

    static List<Finding> compare(List<KernelReader.KernelTask> before, Set<Integer> listed, Set<Integer> listedAgain,
                                 List<KernelReader.KernelTask> after, IntPredicate answersByName, IntFunction<String> exeOf) {
        Map<Integer, KernelReader.KernelTask> stillThere = new HashMap<>();
        for (KernelReader.KernelTask t : after) {
            stillThere.put(t.tgid(), t);
        }
        List<Finding> out = new ArrayList<>();
        for (KernelReader.KernelTask t : before) {
            if (t.tgid() == 0 || listed.contains(t.tgid()) || listedAgain.contains(t.tgid())) {
                continue;
            }
            KernelReader.KernelTask again = stillThere.get(t.tgid());
            if (again == null || again.startBoottime() != t.startBoottime()) {
                continue; // it ended (or its pid was reused) while the agent looked: not hidden, gone
            }
            boolean byName = answersByName.test(t.tgid());
            out.add(Finding.process(IntegrityCheck.HIDDEN_PROCESSES, t.tgid(), t.comm(), byName ? exeOf.apply(t.tgid()) : "",
                    byName ? "listing" : "proc",
                    byName ? "pid " + t.tgid() + " (" + t.comm() + ") is on the kernel's task list but missing from readdir(/proc); /proc/" + t.tgid()
                            + " still answers: a userland hook filters directory listings"
                            : "pid " + t.tgid() + " (" + t.comm() + ") is on the kernel's task list but /proc has no trace of it: a hook in the kernel hides it"));
        }
        return out;
    }
}
