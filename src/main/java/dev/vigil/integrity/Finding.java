package dev.vigil.integrity;

import java.util.List;

/**
 * What one check found: the slot, function or process that is not as the kernel built it, where it
 * points and who owns that address, or the process and what hides it. Strings here come from the
 * host (process names, paths, a library's symbols): the attacker's, escaped wherever they are shown.
 */
public record Finding(IntegrityCheck check, String subject, long address, String owner, String detail, int pid, String comm, String exe,
                      List<String> symbols) {
    public Finding {
        symbols = List.copyOf(symbols);
    }

    /** A kernel object (a syscall slot, a function's entry, an IDT gate) that points where it should not. */
    static Finding kernel(IntegrityCheck check, String subject, long address, String owner, String detail) {
        return new Finding(check, subject, address, owner, detail, 0, "", "", List.of());
    }

    /** A process, and what the check found about it. */
    static Finding process(IntegrityCheck check, int pid, String comm, String exe, String subject, String detail) {
        return new Finding(check, subject, 0, "", detail, pid, comm, exe, List.of());
    }

    Finding withSymbols(List<String> names) {
        return new Finding(check, subject, address, owner, detail, pid, comm, exe, names);
    }
}
