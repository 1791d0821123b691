package dev.vigil.event;

/** Linux capability sets as Falco prints them: the names of the set bits, space-separated ("CAP_CHOWN CAP_KILL"). */
public final class Capabilities {
    private static final String[] NAMES = {"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
            "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
            "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
            "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
            "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
            "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
            "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"};

    private Capabilities() {}

    private record Named(long mask, String names) {}

    /** The last set named: most processes hold one of a few sets (root's full set, none), so it is usually the one asked for. */
    private static Named last = new Named(0, "");

    public static String names(long mask) {
        Named n = last;
        if (n.mask() != mask) {
            n = new Named(mask, build(mask));
            last = n;
        }
        return n.names();
    }

    private static String build(long mask) {
        StringBuilder sb = new StringBuilder();
        for (int bit = 0; bit < 64; bit++) {
            if ((mask & (1L << bit)) != 0) {
                if (!sb.isEmpty()) {
                    sb.append(' ');
                }
                sb.append(bit < NAMES.length ? NAMES[bit] : "CAP_" + bit);
            }
        }
        return sb.toString();
    }
}
