package dev.vigil.bpf;

/** The kernel's verifier refused a program; {@link #log()} holds what it said. */
public final class VerifierException extends BpfException {
    private final String log;

    public VerifierException(String message, int errno, String log) {
        super(message, errno);
        this.log = log;
    }

    public String log() {
        return log;
    }
}
