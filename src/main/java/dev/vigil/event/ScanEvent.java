package dev.vigil.event;

/** 612: one source probed {@code ports} distinct ports of this host within {@code windowMs}. sip: the scanner. */
public record ScanEvent(Header header, Endpoints addr, int ports, int windowMs) implements Event {
    @Override
    public void fields(FieldSink out) {
        addr.fields(out);
        out.field("ports", ports);
        out.field("window_ms", windowMs);
        out.field("flags", "S");
    }
}
