package dev.vigil.sensor;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DnsMessageTest {
    static final byte[] REPLY = {
            0x12, 0x34, (byte) 0x81, (byte) 0x83, 0, 1, 0, 1, 0, 0, 0, 0,
            3, 'a', 'b', 'c', 6, 'd', 'n', 's', 'l', 'o', 'g', 2, 'c', 'n', 0, 0, 1, 0, 1,
            (byte) 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 1, 2, 3};

    @Test
    void parsesQueryAndAnswer() {
        DnsMessage m = DnsMessage.parse(REPLY);
        assertEquals("abc.dnslog.cn", m.query());
        assertEquals(1, m.qtype());
        assertEquals(0, m.opcode());
        assertEquals(3, m.rcode());
        assertEquals(List.of("10.1.2.3"), m.answers());
    }

    @Test
    void truncatedOrLoopingMessagesNeverThrow() {
        for (int n = 0; n < REPLY.length; n++) {
            DnsMessage.parse(Arrays.copyOf(REPLY, n));
        }
        byte[] loop = Arrays.copyOf(REPLY, REPLY.length);
        loop[12] = (byte) 0xc0;
        loop[13] = 12; // a name that points at itself
        assertEquals("", DnsMessage.parse(loop).query());
    }
}
