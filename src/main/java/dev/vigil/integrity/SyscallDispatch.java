package dev.vigil.integrity;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * x64_sys_call, the switch that dispatches syscalls since 6.9: a tree of compares ending in a call or
 * a tail jump (e8/e9 rel32) to each __x64_sys_* function. Two comparisons, neither needing the boot
 * image: every syscall function sys_call_table names must be the target of some e8/e9 in its code (a
 * hook that redirects one branch makes that function unreachable), and the code's digest must be
 * the one taken at the first pass of this boot (kept by the agent under /run, which a reboot clears).
 * The branch scan reads every byte as a possible opcode; bytes inside other instructions can only add
 * targets, never remove the real ones.
 */
final class SyscallDispatch {
    private SyscallDispatch() {}

    /** The __x64_sys_* functions some e8 or e9 rel32 in this code (at `base`) lands on. */
    static Set<String> reached(byte[] code, long base, KernelSymbols symbols) {
        ByteBuffer b = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i + 5 <= code.length; i++) {
            int op = code[i] & 0xff;
            if (op == 0xe8 || op == 0xe9) {
                long target = base + i + 5 + b.getInt(i + 1);
                String f = SyscallTable.syscallFunction(symbols, target);
                if (f != null) {
                    out.add(f);
                }
            }
        }
        return out;
    }

    static List<Finding> check(byte[] code, long base, Set<String> tableFunctions, KernelSymbols symbols, String baselineDigest) {
        List<Finding> out = new ArrayList<>();
        Set<String> reached = reached(code, base, symbols);
        for (String f : tableFunctions) {
            if (!reached.contains(f)) {
                out.add(Finding.kernel(IntegrityCheck.SYSCALL_DISPATCH, "x64_sys_call", base, symbols.owner(base),
                        "no branch of x64_sys_call reaches " + f + ": that syscall is dispatched elsewhere"));
            }
        }
        String now = digest(code);
        if (baselineDigest != null && !baselineDigest.equals(now)) {
            out.add(Finding.kernel(IntegrityCheck.SYSCALL_DISPATCH, "x64_sys_call", base, symbols.owner(base),
                    "its code changed since the first pass of this boot (sha256 " + baselineDigest.substring(0, 16) + "… now " + now.substring(0, 16) + "…)"));
        }
        return out;
    }

    static String digest(byte[] code) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(code));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
