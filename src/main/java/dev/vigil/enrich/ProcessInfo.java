package dev.vigil.enrich;

import java.util.List;

/**
 * What the process cache knows of one process. {@code startTime} is CLOCK_BOOTTIME ns;
 * {@code capPermitted} and {@code capEffective} its permitted and effective capabilities as its exec
 * (or /proc at start) left them, bit N capability N, -1 when not known.
 */
public record ProcessInfo(int pid, int ppid, long startTime, String exe, String comm, List<String> args, int uid, long capPermitted,
                          long capEffective) {
    public ProcessInfo(int pid, int ppid, long startTime, String exe, String comm, List<String> args, int uid) {
        this(pid, ppid, startTime, exe, comm, args, uid, -1, -1);
    }

    public String cmdline() {
        return String.join(" ", args);
    }
}
