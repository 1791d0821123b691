package dev.vigil.enrich;

import dev.vigil.event.Event;
import dev.vigil.event.EventType;
import dev.vigil.event.ExecEvent;
import dev.vigil.event.NetEvent;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Shells relayed to the network by another process through a pipe: {@code nc h p | sh | nc h q},
 * {@code cat fifo | sh -i | nc h p > fifo}, {@code sh < fifo | openssl s_client … > fifo}, a bind
 * shell's {@code nc -l} feeding {@code sh}. The shell's standard input and output are pipes; the
 * socket is in the process at their other end. Each program's start says which pipes its fds 0 and
 * 1 are (pipe:[inode], from the kernel); each connect, listen, accept or dup says which process
 * holds a socket. Whichever comes last (the shell's start, or its relay's connection) completes
 * the picture, and that event gets {@code pipe_relay}: the other party. A shell's output reaching a
 * socket is enough; its input coming from one counts when the shell was asked to be interactive or
 * the socket takes connections in (a bind shell), since {@code curl … | sh} alone is a download run
 * (another detection's). Bounded: the tables keep the latest 8,192 entries each.
 */
final class PipeRelays {
    private static final Set<String> SHELLS = Set.of("sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox", "rbash", "yash");
    private static final int MAX = 8192;
    private static final int EINPROGRESS = -115;

    private record Key(int pid, long start) {}

    /** A process at one end of a pipe; shell: it reads its commands from its input. */
    private record Party(Key key, String comm, boolean interactiveShell, boolean shell) {
        String describe(String peer) {
            return key.pid() + " " + comm + (peer.isEmpty() ? "" : " " + peer);
        }
    }

    private record Stdio(long in, long out) {}

    /** A socket a process holds: its peer (or the port it listens on), and whether it takes connections in (a bind shell's listener). */
    private record Socket(String peer, boolean inbound) {}

    private final Map<Long, Party> writers = bounded(), readers = bounded();
    private final Map<Key, Stdio> stdio = bounded();
    private final Map<Key, Socket> socketHolders = bounded();

    private static <K, V> Map<K, V> bounded() {
        return new LinkedHashMap<>(256, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > MAX;
            }
        };
    }

    /** Records what `e` says about pipes and sockets; returns the other party when `e` completes a relayed shell, else null. */
    String observe(Event e) {
        var h = e.header();
        if (e instanceof ExecEvent x && x.header().res() >= 0) {
            return started(new Key(h.pid(), h.startTime()), x);
        }
        if (!(e instanceof NetEvent n)) {
            return null; // every other event, the most of them, ends here
        }
        boolean held = h.res() >= 0 || (h.type() == EventType.CONNECT && h.res() == EINPROGRESS); // nc connects without blocking
        if (held && (h.type() == EventType.CONNECT || h.type() == EventType.LISTEN || h.type() == EventType.ACCEPT
                || h.type() == EventType.DUP)) {
            Key me = new Key(h.pid(), h.startTime());
            boolean inbound = h.type() == EventType.LISTEN || h.type() == EventType.ACCEPT;
            String peer = h.type() == EventType.LISTEN ? "listening on " + n.addr().sport() : n.addr().dip() + ":" + n.addr().dport();
            boolean first = socketHolders.put(me, new Socket(peer, inbound)) == null;
            return first ? connected(me, inbound) : null;
        }
        return null;
    }

    private String started(Key me, ExecEvent x) {
        socketHolders.remove(me); // a new program: the sockets it holds are reported anew
        List<String> argv = x.args();
        boolean shell = SHELLS.contains(x.header().comm()) && readsCommandsFromInput(argv);
        boolean interactive = shell && argv.stream().skip(1).anyMatch(a -> a.equals("-i") || (a.startsWith("-") && !a.startsWith("--") && a.contains("i")));
        Party self = new Party(me, x.header().comm(), interactive, shell);
        long in = pipe(x.stdin()), out = pipe(x.stdout());
        stdio.put(me, new Stdio(in, out));
        if (in != 0) {
            readers.put(in, self);
        }
        if (out != 0) {
            writers.put(out, self);
        }
        if (!shell) {
            return null;
        }
        Party downstream = out == 0 ? null : readers.get(out);
        Socket readerSocket = downstream == null || downstream.key().equals(me) ? null : socketHolders.get(downstream.key());
        if (readerSocket != null) {
            return "output to " + downstream.describe(readerSocket.peer());
        }
        Party upstream = in == 0 ? null : writers.get(in);
        Socket writerSocket = upstream == null || upstream.key().equals(me) ? null : socketHolders.get(upstream.key());
        if (writerSocket != null && (interactive || writerSocket.inbound())) {
            return "input from " + upstream.describe(writerSocket.peer());
        }
        return null;
    }

    private String connected(Key me, boolean inbound) {
        Stdio s = stdio.get(me);
        if (s == null) {
            return null;
        }
        Party feeding = s.in() == 0 ? null : writers.get(s.in());
        if (feeding != null && feeding.shell() && !feeding.key().equals(me)) {
            return "output of shell " + feeding.describe("");
        }
        Party fed = s.out() == 0 ? null : readers.get(s.out());
        if (fed != null && fed.shell() && (fed.interactiveShell() || inbound) && !fed.key().equals(me)) {
            return "input of shell " + fed.describe("");
        }
        return null;
    }

    /** A shell that takes its commands from its standard input: no -c, no script operand. */
    static boolean readsCommandsFromInput(List<String> argv) {
        for (int i = 1; i < argv.size(); i++) {
            String a = argv.get(i);
            if (a.equals("-c") || (a.startsWith("-") && !a.startsWith("--") && a.indexOf('c') > 0 && a.length() <= 6)) {
                return false;
            }
            if (a.equals("-s") || a.equals("--")) {
                return true;
            }
            if (!a.startsWith("-") && !a.startsWith("+")) {
                return argv.get(0).endsWith("busybox") && i == 1 && a.equals("sh") ? readsCommandsFromInput(argv.subList(1, argv.size())) : false;
            }
        }
        return true;
    }

    /** The inode of a "pipe:[N]" description, 0 for anything else. */
    private static long pipe(String fd) {
        if (fd == null || !fd.startsWith("pipe:[") || !fd.endsWith("]") || fd.length() > 32) {
            return 0;
        }
        try {
            return Long.parseLong(fd.substring(6, fd.length() - 1));
        } catch (NumberFormatException notANumber) {
            return 0;
        }
    }
}
