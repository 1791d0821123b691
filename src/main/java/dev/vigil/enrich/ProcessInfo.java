package dev.vigil.enrich;

import java.util.List;

/** What the process cache knows of one process. {@code startTime} is CLOCK_BOOTTIME ns. */
public record ProcessInfo(int pid, int ppid, long startTime, String exe, String comm, List<String> args, int uid) {
    public String cmdline() {
        return String.join(" ", args);
    }
}
