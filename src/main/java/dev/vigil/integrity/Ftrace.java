package dev.vigil.integrity;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ftrace callbacks. A rootkit that hooks through ftrace (ftrace_set_filter_ip with its own ops: the
 * kits after khook) registers a callback outside kernel text, and ftrace calls it from one of three
 * places, each read here: the call site in ftrace_caller and ftrace_regs_caller (patched to the one
 * callback when a single ops is registered, else to the list walker), the same call site in each
 * trampoline ftrace made for an ops (a copy of ftrace_caller, named ftrace_trampoline in kallsyms,
 * with its ops pointer stored after the copy and the return: ops->func is the callback), and
 * enabled_functions, which lists every traced function with its callback ("->handler") where tracefs
 * lets it be read.
 */
final class Ftrace {
    private Ftrace() {}

    private static final Pattern CALLBACK = Pattern.compile("->\\s*(?:(0x[0-9a-f]+)|([A-Za-z_][\\w.$]*)(?:\\+0x[0-9a-f]+/0x[0-9a-f]+)?(?:\\s+\\[(\\S+)\\])?)");

    /** The callee of the call (e8 rel32) at `offset` in `code` read at `base`, or 0 when there is no call there. */
    static long callAt(byte[] code, int offset, long base) {
        if (offset < 0 || offset + 5 > code.length || (code[offset] & 0xff) != 0xe8) {
            return 0;
        }
        return base + offset + 5 + java.nio.ByteBuffer.wrap(code).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(offset + 1);
    }

    /** A callback `what` ftrace calls at `target`: a finding when it is outside kernel text and not code the kernel made. */
    static Finding callback(String what, long target, KernelSymbols symbols) {
        if (target == 0 || symbols.inKernelText(target) || symbols.generatedAt(target) != null) {
            return null;
        }
        return Finding.kernel(IntegrityCheck.FTRACE, what, target, symbols.owner(target), what + " calls " + symbols.owner(target) + ": an ftrace callback outside kernel text");
    }

    static List<Finding> check(String enabledFunctions, KernelSymbols symbols) {
        List<Finding> out = new ArrayList<>();
        for (String line : enabledFunctions.split("\n")) {
            String function = line.strip().split("\\s+", 2)[0];
            if (function.isEmpty()) {
                continue;
            }
            Matcher m = CALLBACK.matcher(line);
            while (m.find()) {
                if (m.group(1) != null) {
                    long address = Long.parseUnsignedLong(m.group(1).substring(2), 16);
                    if (!symbols.inKernelText(address)) {
                        out.add(Finding.kernel(IntegrityCheck.FTRACE, function, address, symbols.owner(address),
                                function + " has an ftrace callback outside kernel text"));
                    }
                } else if (m.group(3) != null) {
                    out.add(Finding.kernel(IntegrityCheck.FTRACE, function, 0, "[" + m.group(3) + "] " + m.group(2),
                            function + " has an ftrace callback in module " + m.group(3) + ": " + m.group(2)));
                }
            }
        }
        return out;
    }
}
