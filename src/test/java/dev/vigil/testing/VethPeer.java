package dev.vigil.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Another host for tests that need a peer beyond loopback: a network namespace joined to this
 * one by a veth pair, both ends addressed from the documentation ranges (TEST-NET-2 and
 * 2001:db8::/32), so nothing a test sends can leave the machine. Deleted on close, with its
 * interfaces; one left by a run that died is deleted when the next is made.
 */
public final class VethPeer implements AutoCloseable {
    public static final String HOST_V4 = "198.51.100.1", PEER_V4 = "198.51.100.2";
    public static final String HOST_V6 = "2001:db8:5100::1", PEER_V6 = "2001:db8:5100::2";
    private static final String NAME = "vigil-test-peer", HOST_IF = "vigil-t-host", PEER_IF = "vigil-t-peer";

    private VethPeer() {
    }

    public static VethPeer create() {
        run(true, "ip", "netns", "del", NAME);
        run(true, "ip", "link", "del", HOST_IF);
        VethPeer peer = new VethPeer();
        try {
            run(false, "ip", "netns", "add", NAME);
            run(false, "ip", "link", "add", HOST_IF, "type", "veth", "peer", "name", PEER_IF, "netns", NAME);
            run(false, "ip", "addr", "add", HOST_V4 + "/24", "dev", HOST_IF);
            run(false, "ip", "-6", "addr", "add", HOST_V6 + "/64", "dev", HOST_IF, "nodad");
            run(false, "ip", "link", "set", HOST_IF, "up");
            run(false, "ip", "-n", NAME, "addr", "add", PEER_V4 + "/24", "dev", PEER_IF);
            run(false, "ip", "-n", NAME, "-6", "addr", "add", PEER_V6 + "/64", "dev", PEER_IF, "nodad");
            run(false, "ip", "-n", NAME, "link", "set", PEER_IF, "up");
            run(false, "ip", "-n", NAME, "link", "set", "lo", "up");
            return peer;
        } catch (RuntimeException e) {
            peer.close();
            throw e;
        }
    }

    /** The namespace's file, for setns(2). */
    public Path netns() {
        return Path.of("/run/netns", NAME);
    }

    @Override
    public void close() {
        run(true, "ip", "netns", "del", NAME); // takes the pair with it
        run(true, "ip", "link", "del", HOST_IF);
    }

    private static void run(boolean mayFail, String... command) {
        try {
            Process p = new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0 && !mayFail) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(String.join(" ", command) + ": interrupted", e);
        }
    }
}
