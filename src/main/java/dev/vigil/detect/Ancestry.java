package dev.vigil.detect;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An event's ancestry as (pid, comm) pairs, nearest first, level 0 being the process itself.
 * Read from the structured {@code ancestors} list every live event carries. Events recorded
 * without it (older files, hand-made replays) fall back to parsing {@code pid_tree}, which a comm
 * holding {@code <} or digits can make ambiguous: that parse never throws, takes the process's
 * own comm (and its parent's, when known) exactly, and stops at the first node it cannot read.
 */
final class Ancestry {
    private Ancestry() {}

    /** start is 0 where the event did not carry it (the string form). */
    record Node(long pid, long start, String comm) {}

    /** Level `level` of the chain (0: the process), or null; reads one node, without building the list, when the event has `ancestors`. */
    static Node at(Map<String, Object> e, int level) {
        if (e.get("ancestors") instanceof List<?> list) {
            if (level >= list.size() || !(list.get(level) instanceof Map<?, ?> m) || !(m.get("pid") instanceof Number pid)) {
                return null;
            }
            long start = m.get("start") instanceof Number n ? n.longValue() : 0;
            return new Node(pid.longValue(), start, m.get("comm") == null ? "" : String.valueOf(m.get("comm")));
        }
        List<Node> nodes = of(e);
        return level < nodes.size() ? nodes.get(level) : null;
    }

    static List<Node> of(Map<String, Object> e) {
        if (e.get("ancestors") instanceof List<?> list) {
            List<Node> out = new ArrayList<>(list.size());
            for (Object o : list) {
                if (!(o instanceof Map<?, ?> m) || !(m.get("pid") instanceof Number pid)) {
                    break;
                }
                long start = m.get("start") instanceof Number n ? n.longValue() : 0;
                out.add(new Node(pid.longValue(), start, m.get("comm") == null ? "" : String.valueOf(m.get("comm"))));
            }
            return out;
        }
        return e.get("pid_tree") instanceof String tree ? parse(tree, e.get("comm"), e.get("parent_comm")) : List.of();
    }

    /** Best effort over Elkeid's string, for events without {@code ancestors}. */
    static List<Node> parse(String tree, Object comm, Object parentComm) {
        List<Node> out = new ArrayList<>();
        int i = 0;
        while (i < tree.length() && out.size() < 64) {
            int digits = i;
            while (digits < tree.length() && digits - i < 10 && Character.isDigit(tree.charAt(digits))) {
                digits++;
            }
            if (digits == i || digits >= tree.length() || tree.charAt(digits) != '.') {
                break;
            }
            long pid = Long.parseLong(tree.substring(i, digits));
            int start = digits + 1;
            Object known = out.isEmpty() ? comm : out.size() == 1 ? parentComm : null;
            int end;
            if (known instanceof String k && !k.isEmpty() && tree.startsWith(k, start)
                    && (start + k.length() == tree.length() || tree.charAt(start + k.length()) == '<')) {
                end = start + k.length();
            } else {
                end = nextNode(tree, start);
            }
            out.add(new Node(pid, 0, tree.substring(start, end)));
            i = end + 1;
        }
        return out;
    }

    /** Where the comm that starts at `from` ends: the next "<digits." or the end. */
    private static int nextNode(String tree, int from) {
        for (int lt = tree.indexOf('<', from); lt >= 0; lt = tree.indexOf('<', lt + 1)) {
            int d = lt + 1;
            while (d < tree.length() && Character.isDigit(tree.charAt(d))) {
                d++;
            }
            if (d > lt + 1 && d < tree.length() && tree.charAt(d) == '.') {
                return lt;
            }
        }
        return tree.length();
    }
}
