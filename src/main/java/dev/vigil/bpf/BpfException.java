package dev.vigil.bpf;

/** A libbpf or kernel failure; the message chains context, e.g. {@code load sensor: program process__exec: Permission denied}. */
public class BpfException extends RuntimeException {
    private final int errno;

    public BpfException(String message, int errno) {
        super(message + ": " + Libbpf.strerror(errno));
        this.errno = Math.abs(errno);
    }

    public BpfException(String message, Throwable cause) {
        super(message + ": " + cause.getMessage(), cause);
        this.errno = 0;
    }

    protected BpfException(String message) {
        super(message);
        this.errno = 0;
    }

    /** The positive errno, or 0 when the failure was not an errno. */
    public int errno() {
        return errno;
    }
}
