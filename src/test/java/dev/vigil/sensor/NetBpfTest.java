package dev.vigil.sensor;

import dev.vigil.event.DnsEvent;
import dev.vigil.event.EventType;
import dev.vigil.event.NetEvent;
import dev.vigil.event.ScanEvent;
import dev.vigil.testing.VethPeer;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** net.bpf.c: connect, bind, accept on loopback v4 and v6; DNS replies; port scans from another host; a socket duplicated onto stdin. */
class NetBpfTest {
    @Test
    void tcpOnLoopbackV4() {
        tcp("127.0.0.1", 2);
    }

    @Test
    void tcpOnLoopbackV6() {
        tcp("::1", 10);
    }

    private void tcp(String ip, int family) {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered t = LiveSensor.trigger("tcp", ip);
        int port = t.outInt(0), clientPort = t.outInt(1);
        NetEvent bind = (NetEvent) s.await("bind", e -> e.type() == EventType.BIND && e.header().pid() == t.pid());
        assertEquals(family, bind.addr().family());
        assertEquals(ip, bind.addr().sip());
        assertEquals(0, bind.header().res());
        NetEvent connect = (NetEvent) s.await("connect", e -> e.type() == EventType.CONNECT && e.header().pid() == t.pid());
        assertEquals(ip, connect.addr().dip());
        assertEquals(port, connect.addr().dport());
        assertEquals(ip, connect.addr().sip());
        assertEquals(clientPort, connect.addr().sport());
        assertEquals(6, connect.addr().protocol());
        NetEvent accept = (NetEvent) s.await("accept", e -> e.type() == EventType.ACCEPT && e.header().pid() == t.pid());
        assertEquals(port, accept.addr().sport());
        assertEquals(clientPort, accept.addr().dport());
        assertEquals(ip, accept.addr().dip());
    }

    @Test
    void dnsReplyIsParsed() throws Exception {
        DnsEvent e = reply("dns", "abc.dnslog.cn");
        assertEquals("abc.dnslog.cn", e.query());
        assertEquals(1, e.qtype());
        assertEquals(0, e.opcode());
        assertEquals(0, e.rcode());
        assertEquals(List.of("127.0.0.9"), e.answers());
        assertEquals(53, e.addr().dport());
    }

    @Test
    void dnsReplyReadWithReadIsParsed() throws Exception {
        DnsEvent e = reply("dns-read", "api.example.internal");
        assertEquals("api.example.internal", e.query());
        assertEquals(List.of("127.0.0.9"), e.answers());
    }

    /** The reply event of the trigger's lookup of `name` (`mode`: how it reads the reply), answered by a resolver on loopback. */
    private static DnsEvent reply(String mode, String name) throws Exception {
        LiveSensor s = LiveSensor.get();
        // The kernel keys on port 53/5353, so the test resolver takes 53 on loopback.
        try (DatagramSocket server = new DatagramSocket(53, InetAddress.getByName("127.0.0.1"))) {
            Thread resolver = new Thread(() -> answerOnce(server));
            resolver.start();
            LiveSensor.Triggered t = LiveSensor.trigger(mode, name, "53");
            resolver.join();
            return (DnsEvent) s.await("dns reply (" + mode + ")", ev -> ev.type() == EventType.DNS && ev.header().pid() == t.pid()
                    && ((DnsEvent) ev).response());
        }
    }

    private static void answerOnce(DatagramSocket server) {
        try {
            byte[] buf = new byte[512];
            DatagramPacket q = new DatagramPacket(buf, buf.length);
            server.setSoTimeout(5000);
            server.receive(q);
            byte[] query = Arrays.copyOf(buf, q.getLength());
            byte[] answer = {(byte) 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 9};
            byte[] r = Arrays.copyOf(query, query.length + answer.length);
            r[2] = (byte) 0x81;
            r[3] = (byte) 0x80;
            r[7] = 1;
            System.arraycopy(answer, 0, r, query.length, answer.length);
            server.send(new DatagramPacket(r, r.length, q.getSocketAddress()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * SYNs to closed ports from another host (a namespace over a veth pair), aggregated per source in
     * the kernel. The same scan of loopback just before is no port_scan: its connects name the process.
     */
    @Test
    void portScanFromAnotherHostIsAggregated() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered local = LiveSensor.trigger("scan", "41000", "40");
        try (VethPeer peer = VethPeer.create()) {
            LiveSensor.trigger("netns", peer.netns().toString(), "scan", "41000", "40", VethPeer.HOST_V4);
            ScanEvent e = (ScanEvent) s.await("port_scan from the peer", ev -> ev.type() == EventType.PORT_SCAN
                    && ((ScanEvent) ev).addr().sip().equals(VethPeer.PEER_V4));
            assertEquals(VethPeer.HOST_V4, e.addr().dip());
            assertEquals(10, e.ports());
            assertTrue(e.addr().dport() >= 41000 && e.addr().dport() < 41040, "probed port " + e.addr().dport());
            assertEquals(1, s.all(ev -> ev.type() == EventType.PORT_SCAN && ((ScanEvent) ev).addr().sip().equals(VethPeer.PEER_V4)).size(),
                    "one event per source per window");
        }
        assertEquals(List.of(), s.all(ev -> ev.type() == EventType.PORT_SCAN && ev.header().pid() == local.pid()),
                "the loopback scan by connect(2), sent before the peer's, made no port_scan");
        assertEquals(40, s.all(ev -> ev.type() == EventType.CONNECT && ev.header().pid() == local.pid()).size(),
                "the loopback scan's connects, one per port");
    }

    /** SYNs crafted on a raw socket (nmap -sS) to closed ports of loopback: no connect(2) names the prober, so they are a scan. */
    @Test
    void rawSynScanOfLoopbackIsAggregated() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered t = LiveSensor.trigger("syn-scan", "41200", "40");
        ScanEvent e = (ScanEvent) s.await("port_scan from the raw SYNs", ev -> ev.type() == EventType.PORT_SCAN && ev.header().pid() == t.pid());
        assertEquals("127.0.0.1", e.addr().sip());
        assertEquals(45678, e.addr().sport());
        assertEquals(10, e.ports());
        assertTrue(e.addr().dport() >= 41200 && e.addr().dport() < 41240, "probed port " + e.addr().dport());
    }

    /** Handshakes that complete count too (SYN_RECV to ESTABLISHED), here over IPv6: the other route to a scan event. */
    @Test
    void scanOfOpenPortsOverIpv6IsAggregated() throws Exception {
        LiveSensor s = LiveSensor.get();
        try (VethPeer peer = VethPeer.create()) {
            LiveSensor.trigger("scan-open", VethPeer.HOST_V6, "12", peer.netns().toString());
            InetAddress from = InetAddress.getByName(VethPeer.PEER_V6);
            ScanEvent e = (ScanEvent) s.await("port_scan from the peer over IPv6", ev -> ev.type() == EventType.PORT_SCAN
                    && ((ScanEvent) ev).addr().family() == 10 && address(((ScanEvent) ev).addr().sip()).equals(from));
            assertEquals(InetAddress.getByName(VethPeer.HOST_V6), address(e.addr().dip()));
            assertEquals(10, e.ports());
            assertTrue(e.addr().dport() > 0 && e.addr().sport() > 0, "the probed port and the prober's port");
        }
    }

    private static InetAddress address(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    /** A connect refused again and again is sent connect_repeats times in its window and counted as folded after that. */
    @Test
    void repeatedFailedConnectsAreFoldedAndCounted() {
        LiveSensor s = LiveSensor.get();
        long foldedBefore = s.stream().losses().folded();
        LiveSensor.Triggered t = LiveSensor.trigger("retry", "42100", "30");
        s.await("the connect after the retries", ev -> ev.type() == EventType.CONNECT && ev.header().pid() == t.pid()
                && ((dev.vigil.event.NetEvent) ev).addr().dport() == 42101);
        var refused = s.all(ev -> ev.type() == EventType.CONNECT && ev.header().pid() == t.pid()
                && ((dev.vigil.event.NetEvent) ev).addr().dport() == 42100);
        assertEquals(SensorOptions.DEFAULT_CONNECT_REPEATS, refused.size(), "the first attempts, then none");
        assertTrue(refused.stream().allMatch(ev -> ev.header().res() == -111), "ECONNREFUSED");
        assertEquals(30 - SensorOptions.DEFAULT_CONNECT_REPEATS, s.stream().losses().folded() - foldedBefore, "the rest counted as folded");
    }

    @Test
    void bindToPortZeroReportsTheBoundPortAndListenIsSeen() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered t = LiveSensor.trigger("listen0");
        int port = t.outInt(0);
        NetEvent bind = (NetEvent) s.await("bind", e -> e.type() == EventType.BIND && e.header().pid() == t.pid());
        assertEquals(port, bind.addr().sport(), "the port the kernel chose, not the 0 that was asked for");
        assertEquals("127.0.0.1", bind.addr().sip());
        NetEvent listen = (NetEvent) s.await("listen", e -> e.type() == EventType.LISTEN && e.header().pid() == t.pid());
        assertEquals(port, listen.addr().sport());
        assertEquals("127.0.0.1", listen.addr().sip());
        assertEquals(0, listen.header().res());
    }

    @Test
    void aSocketDuplicatedOntoStandardInputIsSeenAndOtherDupsAreNot() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered t = LiveSensor.trigger("dup-socket");
        int port = t.outInt(0), clientPort = t.outInt(1);
        NetEvent dup = (NetEvent) s.await("dup", e -> e.type() == EventType.DUP && e.header().pid() == t.pid());
        assertEquals(0, dup.fd(), "the socket landed on stdin");
        assertEquals(0, dup.header().res());
        assertEquals("127.0.0.1", dup.addr().dip());
        assertEquals(port, dup.addr().dport());
        assertEquals(clientPort, dup.addr().sport());
        s.drain(); // then the dup onto fd 9 and /dev/null onto stdin have been read, and raised nothing
        assertEquals(1, s.all(e -> e.type() == EventType.DUP && e.header().pid() == t.pid()).size(),
                "one dup of the socket onto fd 0-2: " + s.all(e -> e.type() == EventType.DUP && e.header().pid() == t.pid()));
    }

    @Test
    void packetAndRawSockets() {
        LiveSensor s = LiveSensor.get();
        LiveSensor.Triggered t = LiveSensor.trigger("raw-sockets");
        var packet = (dev.vigil.event.TaskEvent.RawSocket) s.await("packet socket", e -> e.type() == EventType.RAW_SOCKET
                && e.header().pid() == t.pid() && ((dev.vigil.event.TaskEvent.RawSocket) e).family() == 17);
        assertEquals(3, packet.socketType());
        assertTrue(packet.header().res() >= 0, "a descriptor came back");
        var raw = (dev.vigil.event.TaskEvent.RawSocket) s.await("raw ICMP socket", e -> e.type() == EventType.RAW_SOCKET
                && e.header().pid() == t.pid() && ((dev.vigil.event.TaskEvent.RawSocket) e).family() == 2);
        assertEquals(3, raw.socketType(), "SOCK_RAW, whatever flags were or'ed in");
        assertEquals(1, raw.protocol());
        assertEquals(3L, LiveSensor.fields(raw).get("socket_type"));
    }

    private static DnsEvent awaitDns(LiveSensor s, long pid, boolean response) {
        return (DnsEvent) s.await("dns " + (response ? "reply" : "query") + " of " + pid, ev -> ev.type() == EventType.DNS
                && ev.header().pid() == pid && ((DnsEvent) ev).response() == response);
    }

    @Test
    void dnsQueriesAsSentAndRepliesOnUnconnectedSockets() throws Exception {
        LiveSensor s = LiveSensor.get();
        try (DatagramSocket server = new DatagramSocket(53, InetAddress.getByName("127.0.0.1"))) {
            Thread resolver = new Thread(() -> answerOnce(server));
            resolver.start();
            LiveSensor.Triggered t = LiveSensor.trigger("dns-unconnected", "evil\u0007.example.org", "53");
            resolver.join();
            DnsEvent q = awaitDns(s, t.pid(), false);
            assertEquals("evil\u0007.example.org", q.query(), "the name exactly as sent; escaping is the writers' job");
            assertEquals(53, q.addr().dport());
            assertEquals(17, q.addr().protocol());
            DnsEvent r = awaitDns(s, t.pid(), true);
            assertEquals(53, r.addr().dport(), "the peer recvfrom wrote back, on a socket that was never connected");
            assertEquals(List.of("127.0.0.9"), r.answers());
        }
        // a query nobody answers is still a query
        LiveSensor.Triggered lost = LiveSensor.trigger("dns-noreply", "nobody.answers.example", "53");
        assertEquals("nobody.answers.example", awaitDns(s, lost.pid(), false).query());
    }
}
