package dev.vigil.agent;

import dev.vigil.bpf.BpfException;
import dev.vigil.bpf.NotSupportedException;
import dev.vigil.bpf.VerifierException;
import dev.vigil.sink.OwnFiles;

import java.io.IOException;
import java.nio.file.Path;

/** What the user reads when something fails: one line, never a stack trace. */
public final class Errors {
    private Errors() {}

    /** One line for the user; the verifier's log goes to a file the line names. */
    public static String oneLine(Throwable ex) {
        if (ex instanceof VerifierException v) {
            try {
                Path log = OwnFiles.writeNew("verifier-", ".log", v.log());
                return v.getMessage() + " (the kernel refused a BPF program; verifier log in " + log + ")";
            } catch (IOException notWritten) {
                return v.getMessage() + " (the kernel refused a BPF program; the verifier log could not be saved: " + notWritten.getMessage() + ")";
            }
        }
        if (ex instanceof NotSupportedException n) {
            return n.getMessage();
        }
        if (ex instanceof BpfException b && (b.errno() == 1 || b.errno() == 13)) {
            return b.getMessage() + " (BPF refused: run as root on a kernel that allows BPF; check lockdown and kernel.unprivileged_bpf_disabled)";
        }
        if (ex instanceof IllegalArgumentException) {
            return ex.getMessage();
        }
        return ex.getClass().getSimpleName() + ": " + ex.getMessage();
    }
}
