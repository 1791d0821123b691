package dev.vigil.integrity;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How a process dresses as something it is not: a user process named like a kernel thread (ps
 * shows a process with an empty command line in brackets, as it shows kernel threads; miners name
 * themselves "[kworker/0:1]" or "kdevtmpfsi"), and a program that runs on after its file was deleted.
 */
final class ProcessDisguises {
    private ProcessDisguises() {}

    static final long PF_KTHREAD = 0x00200000L;

    /** Kernel threads' names: a user process has no business taking one. */
    static final Pattern KERNEL_THREAD_NAME = Pattern.compile(
            "^(kworker/|ksoftirqd/|migration/|kthreadd|kswapd|watchdog/|rcu_|jbd2/|irq/|cpuhp/|kcompactd|khugepaged|kblockd|kdevtmpfs|kauditd"
                    + "|khungtaskd|oom_reaper|writeback|ksmd|idle_inject/|pool_workqueue|kintegrityd|kthrotld|scsi_eh_|kstrp|netns$|mm_percpu_wq)");

    static Finding kernelThreadLookalike(ProcView.Facts p) {
        if ((p.flags() & PF_KTHREAD) != 0) {
            return null;
        }
        boolean bracketed = p.argv0().length() > 2 && p.argv0().startsWith("[") && p.argv0().endsWith("]");
        boolean named = KERNEL_THREAD_NAME.matcher(p.comm()).find();
        if (!bracketed && !named) {
            return null;
        }
        return Finding.process(IntegrityCheck.FAKE_KERNEL_THREADS, p.pid(), p.comm(), p.exe(), bracketed ? p.argv0() : p.comm(),
                "pid " + p.pid() + " is a user process (it has an address space and " + (p.exe().isEmpty() ? "no readable executable" : "runs " + p.exe())
                        + ") named like a kernel thread: " + (bracketed ? "argv[0] " + p.argv0() : "name " + p.comm()));
    }

    /** A process whose executable is gone: " (deleted)" with nothing at its path now. memfd programs (runc runs from a sealed one) are the kernel rules'. */
    static Finding deletedExecutable(ProcView.Facts p) {
        String exe = p.exe();
        if (!exe.endsWith(" (deleted)") || exe.startsWith("/memfd:")) {
            return null;
        }
        String path = exe.substring(0, exe.length() - " (deleted)".length());
        if (Files.exists(Path.of(path))) {
            return null; // replaced in place, as a package upgrade replaces the programs it updates
        }
        return Finding.process(IntegrityCheck.DELETED_EXECUTABLES, p.pid(), p.comm(), path, path,
                "pid " + p.pid() + " (" + p.comm() + ") runs " + path + ", which was deleted after it started and is not there any more");
    }

    /** Mounts over /proc/PID in this mount namespace's mountinfo: a process hidden by a directory laid over its own. */
    static List<Finding> procMounts(String mountinfo) {
        List<Finding> out = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            String[] f = line.split(" ");
            if (f.length < 10) {
                continue;
            }
            String mountPoint = unescape(f[4]);
            var m = PROC_PID.matcher(mountPoint);
            if (!m.matches()) {
                continue;
            }
            int dash = java.util.Arrays.asList(f).indexOf("-");
            String type = dash > 0 && dash + 2 < f.length ? f[dash + 1] : "?";
            String source = dash > 0 && dash + 2 < f.length ? unescape(f[dash + 2]) : "?";
            int pid = Integer.parseInt(m.group(1));
            out.add(Finding.process(IntegrityCheck.PROC_MOUNTS, pid, "", "", mountPoint,
                    "a " + type + " (" + source + ", root " + unescape(f[3]) + ") is mounted over " + mountPoint + ": ps sees that instead of pid " + pid));
        }
        return out;
    }

    private static final Pattern PROC_PID = Pattern.compile("^/proc/([0-9]{1,10})(/.*)?$");

    /** mountinfo's octal escapes (\040 for a space). */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).chars().allMatch(c -> c >= '0' && c <= '7')) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(s.charAt(i));
            }
        }
        return b.toString();
    }
}
