package dev.vigil.sensor;

import dev.vigil.event.Text;

import java.util.ArrayList;
import java.util.List;

/** The parts of a DNS message (RFC 1035) an HIDS reports: first question, opcode, rcode, A/AAAA/CNAME answers. */
record DnsMessage(String query, int qtype, int opcode, int rcode, List<String> answers, boolean response) {
    static final DnsMessage EMPTY = new DnsMessage("", 0, 0, 0, List.of(), false);

    /** Parses what it can; a malformed message yields what was read before the fault, never an exception. */
    static DnsMessage parse(byte[] m) {
        if (m.length < 12) {
            return EMPTY;
        }
        int flags = u16(m, 2);
        int opcode = (flags >> 11) & 0xf;
        int rcode = flags & 0xf;
        int qd = u16(m, 4), an = u16(m, 6);
        int[] pos = {12};
        String query = "";
        int qtype = 0;
        List<String> answers = new ArrayList<>();
        try {
            if (qd > 0) {
                query = name(m, pos);
                qtype = u16(m, pos[0]);
                pos[0] += 4;
                for (int q = 1; q < qd; q++) {
                    name(m, pos);
                    pos[0] += 4;
                }
            }
            for (int a = 0; a < an && answers.size() < 16; a++) {
                name(m, pos);
                int type = u16(m, pos[0]);
                int rdlen = u16(m, pos[0] + 8);
                int rdata = pos[0] + 10;
                if (rdata + rdlen > m.length) {
                    break;
                }
                if (type == 1 && rdlen == 4) {
                    answers.add((m[rdata] & 0xff) + "." + (m[rdata + 1] & 0xff) + "." + (m[rdata + 2] & 0xff) + "." + (m[rdata + 3] & 0xff));
                } else if (type == 28 && rdlen == 16) {
                    byte[] b = java.util.Arrays.copyOfRange(m, rdata, rdata + 16);
                    answers.add(RecordDecoder.compressV6(java.net.InetAddress.getByAddress(b).getHostAddress()));
                } else if (type == 5) {
                    int[] p = {rdata};
                    answers.add(name(m, p));
                }
                pos[0] = rdata + rdlen;
            }
        } catch (RuntimeException | java.net.UnknownHostException truncated) {
            // keep what was parsed
        }
        return new DnsMessage(query, qtype, opcode, rcode, List.copyOf(answers), (flags & 0x8000) != 0);
    }

    private static int u16(byte[] m, int at) {
        if (at + 2 > m.length) {
            throw new IndexOutOfBoundsException(at);
        }
        return ((m[at] & 0xff) << 8) | (m[at + 1] & 0xff);
    }

    /** Reads a possibly compressed name at pos[0], advancing pos[0] past it. */
    private static String name(byte[] m, int[] pos) {
        StringBuilder sb = new StringBuilder();
        int at = pos[0];
        boolean jumped = false;
        for (int hops = 0; hops < 64; hops++) {
            int len = m[at] & 0xff;
            if (len == 0) {
                if (!jumped) {
                    pos[0] = at + 1;
                }
                return sb.toString();
            }
            if ((len & 0xc0) == 0xc0) {
                int target = ((len & 0x3f) << 8) | (m[at + 1] & 0xff);
                if (!jumped) {
                    pos[0] = at + 2;
                }
                jumped = true;
                at = target;
                continue;
            }
            if (at + 1 + len > m.length) {
                throw new IndexOutOfBoundsException(at);
            }
            if (!sb.isEmpty()) {
                sb.append('.');
            }
            sb.append(Text.decode(m, at + 1, len));
            at += 1 + len;
        }
        throw new IndexOutOfBoundsException("name loops");
    }
}
