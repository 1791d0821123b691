package dev.vigil.event;

/** 42 connect, 43 accept, 49 bind, 703 listen: sip/sport is this host's end, dip/dport the peer's (none for bind and listen). */
public record NetEvent(Header header, Endpoints addr, int fd) implements Event {
    @Override
    public void fields(FieldSink out) {
        addr.fields(out);
        out.field("protocol", addr.protocol() == 6 ? "tcp" : addr.protocol() == 17 ? "udp" : String.valueOf(addr.protocol()));
        out.field("fd", fd);
        out.field("res", header.res());
    }
}
