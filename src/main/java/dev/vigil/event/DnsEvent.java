package dev.vigil.event;

import java.util.List;

/**
 * 601: a DNS query as it left (UDP or TCP to port 53), or a reply received on UDP 53/5353,
 * parsed in userspace; {@code response} tells which. sip/sport: this host; dip/dport: the resolver.
 */
public record DnsEvent(Header header, Endpoints addr, String query, int qtype, int opcode, int rcode, List<String> answers,
                       boolean response) implements Event {
    @Override
    public void fields(FieldSink out) {
        out.field("response", response);
        out.field("query", query);
        out.field("qtype", qtype);
        out.field("opcode", opcode);
        out.field("rcode", rcode);
        out.field("answers", answers);
        addr.fields(out);
    }
}
