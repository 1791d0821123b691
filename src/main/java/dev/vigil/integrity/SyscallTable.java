package dev.vigil.integrity;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * sys_call_table against the kernel's syscall functions. Without CONFIG_KALLSYMS_ALL the table has
 * no symbol, so it is found by its first four slots (read, write, open, close: x86-64's numbers 0 to
 * 3) in .rodata, and read up to its end (the first slot that is no kernel address). Each slot must
 * hold the first byte of a __x64_sys_* function (COND_SYSCALL's weak stubs included); a slot that
 * points elsewhere, in kernel text or not, is a hook (Diamorphine's and most LKM rootkits' way).
 * Since 6.9 x86-64 dispatches through x64_sys_call instead, which {@link SyscallDispatch} checks.
 */
final class SyscallTable {
    private SyscallTable() {}

    static final String[] FIRST_SLOTS = {"__x64_sys_read", "__x64_sys_write", "__x64_sys_open", "__x64_sys_close"};
    static final int MAX_SLOTS = 1024;
    private static final long KERNEL_SPACE = 0xffff800000000000L;

    /** Where the table starts in `rodata` (read from `base`), or 0: the four first slots' addresses, little-endian, 8-byte aligned. */
    static long locate(byte[] rodata, long base, long[] firstSlots) {
        ByteBuffer b = ByteBuffer.wrap(rodata).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 32 <= rodata.length; i += 8) {
            if (b.getLong(i) == firstSlots[0] && b.getLong(i + 8) == firstSlots[1] && b.getLong(i + 16) == firstSlots[2]
                    && b.getLong(i + 24) == firstSlots[3]) {
                return base + i;
            }
        }
        return 0;
    }

    /** The slots read from the table's start: up to the first that is no kernel address. */
    static long[] slots(byte[] table) {
        ByteBuffer b = ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN);
        int n = 0;
        while (n < table.length / 8 && n < MAX_SLOTS && Long.compareUnsigned(b.getLong(n * 8), KERNEL_SPACE) >= 0) {
            n++;
        }
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = b.getLong(i * 8);
        }
        return out;
    }

    static List<Finding> check(long[] slots, KernelSymbols symbols) {
        List<Finding> out = new ArrayList<>();
        for (int nr = 0; nr < slots.length; nr++) {
            if (syscallFunction(symbols, slots[nr]) == null) {
                out.add(Finding.kernel(IntegrityCheck.SYSCALL_TABLE, "sys_call_table[" + nr + "]", slots[nr], symbols.owner(slots[nr]),
                        "the slot of syscall " + nr + " points at no syscall function"));
            }
        }
        return out;
    }

    /** The __x64_sys_* function starting at this address, or null. */
    static String syscallFunction(KernelSymbols symbols, long address) {
        if (!symbols.inKernelText(address)) {
            return null;
        }
        for (String name : symbols.allAt(address)) {
            if (name.startsWith("__x64_sys_")) {
                return name;
            }
        }
        return null;
    }

    /** The syscall functions the slots name (the not-implemented stub left out): what x64_sys_call must reach. */
    static Set<String> functions(long[] slots, KernelSymbols symbols) {
        Set<String> out = new LinkedHashSet<>();
        for (long s : slots) {
            String f = syscallFunction(symbols, s);
            if (f != null && !f.equals("__x64_sys_ni_syscall")) {
                out.add(f);
            }
        }
        return out;
    }
}
