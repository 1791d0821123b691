package dev.vigil.bpf;

/** This kernel or system lacks a feature Vigil needs; the message says which and what to do. */
public final class NotSupportedException extends BpfException {
    private final String feature;

    public NotSupportedException(String feature, String why) {
        super(feature + ": " + why);
        this.feature = feature;
    }

    public String feature() {
        return feature;
    }
}
