package dev.vigil.event;

/** Both ends of an inet socket. Addresses are printable ("127.0.0.1", "::1"); empty when unknown. */
public record Endpoints(int family, String sip, int sport, String dip, int dport, int protocol) {
    public static final Endpoints NONE = new Endpoints(0, "", 0, "", 0, 0);

    public boolean present() {
        return family != 0;
    }

    public void fields(FieldSink out) {
        out.field("sa_family", family);
        out.field("sip", sip);
        out.field("sport", sport);
        out.field("dip", dip);
        out.field("dport", dport);
    }
}
