package dev.vigil.event;

import java.util.List;

/**
 * A process and its ancestors as the kernel walked them, nearest first (level 0 is the process
 * itself). Kept as structured nodes: Elkeid's {@code pid.comm<ppid.pcomm<…} string is only a
 * rendering, since a comm may itself hold {@code <}, dots and digits.
 */
public record PidTree(List<Node> nodes) {
    public static final PidTree EMPTY = new PidTree(List.of());

    /** One process: pid and start time (boottime ns) are its identity; comm is only its name. */
    public record Node(long pid, long start, String comm) {}

    public PidTree {
        nodes = List.copyOf(nodes);
    }

    /** Elkeid's form, for people; never parse it back. */
    public String elkeid() {
        StringBuilder sb = new StringBuilder(nodes.size() * 16);
        for (Node n : nodes) {
            if (!sb.isEmpty()) {
                sb.append('<');
            }
            sb.append(n.pid()).append('.').append(n.comm());
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return elkeid();
    }
}
