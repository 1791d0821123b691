package dev.vigil.integrity;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The interrupt descriptor table, read where x86-64 maps it read-only for every CPU: the first page
 * of the CPU entry area (0xfffffe0000000000 with 4-level paging), which is idt_table itself (a
 * rootkit that rewrites a gate in idt_table shows here). Each gate is 16 bytes: the handler's
 * address split in three, a selector and the present bit. Every present gate's handler must be in
 * kernel text (or, for an exception vector nothing claimed, the boot's early handlers in init text).
 */
final class Idt {
    private Idt() {}

    static final long CPU_ENTRY_AREA_RO_IDT = 0xfffffe0000000000L;
    static final int GATES = 256;
    static final int SIZE = GATES * 16;
    static final int KERNEL_CS = 0x10;

    /** Whether these bytes look like an IDT at all: gate 0 (divide error) present, 64-bit interrupt gate, kernel code segment. */
    static boolean looksLikeIdt(byte[] idt) {
        ByteBuffer b = ByteBuffer.wrap(idt).order(ByteOrder.LITTLE_ENDIAN);
        int selector = b.getShort(2) & 0xffff;
        int bits = b.getShort(4) & 0xffff;
        return selector == KERNEL_CS && (bits & 0x8000) != 0 && ((bits >> 8) & 0xf) == 0xe;
    }

    static long handler(ByteBuffer b, int gate) {
        int at = gate * 16;
        long low = b.getShort(at) & 0xffffL;
        long middle = b.getShort(at + 6) & 0xffffL;
        long high = b.getInt(at + 8) & 0xffffffffL;
        return low | middle << 16 | high << 32;
    }

    static List<Finding> check(byte[] idt, KernelSymbols symbols) {
        ByteBuffer b = ByteBuffer.wrap(idt).order(ByteOrder.LITTLE_ENDIAN);
        List<Finding> out = new ArrayList<>();
        for (int gate = 0; gate < GATES; gate++) {
            boolean present = (b.getShort(gate * 16 + 4) & 0x8000) != 0;
            long h = handler(b, gate);
            // the exception vectors no driver claims (machine check on a VM, the reserved 20 to 31) keep the boot's early handlers
            if (present && !symbols.inKernelText(h) && !(gate < 32 && symbols.inInitText(h))) {
                out.add(Finding.kernel(IntegrityCheck.IDT, "idt[" + gate + "]", h, symbols.owner(h), "interrupt gate " + gate + "'s handler is outside kernel text"));
            }
        }
        return out;
    }
}
