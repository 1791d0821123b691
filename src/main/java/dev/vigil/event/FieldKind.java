package dev.vigil.event;

/** What a field's values are, as rules compare them and as {@code vigil fields} shows them. */
public enum FieldKind {
    /** Text an attacker may shape: compared as a string, escaped in every output. */
    TEXT("text"),
    /** A whole number. */
    NUMBER("number"),
    /** true or false. */
    FLAG("flag"),
    /** A list of text values ({@code argv}, {@code env}, {@code answers}). */
    LIST("list"),
    /** An IPv4 or IPv6 address; rules may compare it with a CIDR network. */
    ADDRESS("address"),
    /** A file system path. */
    PATH("path"),
    /** A JSON object from another system, kept as it came (a Kubernetes audit event). */
    OBJECT("object"),
    /** The ancestry as [{pid, start, comm}], nearest first. */
    ANCESTRY("ancestry");

    private final String label;

    FieldKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
