package dev.vigil.integrity;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.function.LongFunction;

/**
 * The first instruction of the functions rootkits rewrite (the Elkeid paper's Reptile puts a jmp at
 * vfs_read's entry; khook, and every inline hooking kit after it, do the same). With ftrace built
 * in, each traceable function starts with a 5-byte nop, or a call to __fentry__, ftrace_caller or an
 * ftrace trampoline while traced. A finding is an entry (after an endbr64, where IBT is on) that is
 * a jmp out of kernel text, an int3, a call to anything but ftrace, or an absolute jump (movabs
 * reg + jmp reg, push + ret, jmp through memory).
 */
final class InlineHooks {
    private InlineHooks() {}

    /**
     * Each function and why a rootkit rewrites it: reading files and directories (hiding files and
     * /proc entries), the /proc/net listings (hiding sockets), signals (the "magic kill" that
     * commands a rootkit), packet capture (hiding traffic from tcpdump), and the syscall dispatcher.
     */
    static final List<String> FUNCTIONS = List.of(
            "vfs_read", "vfs_write", "iterate_dir", "filldir64", "filldir", "fillonedir", "do_sys_openat2", "vfs_statx",
            "proc_root_readdir", "proc_pid_readdir", "proc_root_lookup", "proc_pid_lookup", "proc_tgid_base_readdir",
            "tcp4_seq_show", "tcp6_seq_show", "udp4_seq_show", "udp6_seq_show", "packet_rcv", "tpacket_rcv",
            "__x64_sys_kill", "kill_pid_info", "__x64_sys_getdents64", "__x64_sys_getdents", "__x64_sys_openat", "__x64_sys_read",
            "__x64_sys_execve", "__x64_sys_ptrace", "__x64_sys_bpf", "x64_sys_call", "audit_log_start");

    /** The ftrace entry points a traced function calls. */
    static final List<String> FTRACE_ENTRIES = List.of("__fentry__", "ftrace_caller", "ftrace_regs_caller", "ftrace_stub");

    private static final byte[] ENDBR64 = {(byte) 0xf3, 0x0f, 0x1e, (byte) 0xfa};

    /**
     * The finding for this function's entry bytes, or null when clean. `trampoline` names the code a
     * call leads to outside kernel text when the kernel made it (an ftrace or a BPF trampoline:
     * tracing, and fentry programs), or returns null.
     */
    static Finding check(String function, long address, byte[] entry, KernelSymbols symbols, LongFunction<String> trampoline) {
        int at = startsWith(entry, ENDBR64) ? 4 : 0;
        ByteBuffer b = ByteBuffer.wrap(entry).order(ByteOrder.LITTLE_ENDIAN);
        int op = entry[at] & 0xff;
        long here = address + at;
        switch (op) {
            case 0xe9: { // jmp rel32
                long target = here + 5 + b.getInt(at + 1);
                return symbols.inKernelText(target) ? null : hook(function, target, symbols, "jmp at its entry");
            }
            case 0xeb: { // jmp rel8
                long target = here + 2 + entry[at + 1];
                return symbols.inKernelText(target) ? null : hook(function, target, symbols, "jmp at its entry");
            }
            case 0xe8: { // call rel32: ftrace's, or someone else's
                long target = here + 5 + b.getInt(at + 1);
                String name = symbols.at(target);
                if (name != null && FTRACE_ENTRIES.contains(name) || !symbols.inKernelText(target) && trampoline.apply(target) != null) {
                    return null;
                }
                return hook(function, target, symbols, "call at its entry to something other than ftrace");
            }
            case 0xcc:
                return hook(function, here, symbols, "int3 at its entry (a breakpoint where no kprobe can be)");
            case 0x68: // push imm32; ret
                if ((entry[at + 5] & 0xff) == 0xc3) {
                    return hook(function, b.getInt(at + 1) & 0xffffffffL | 0xffffffff00000000L, symbols, "push + ret at its entry");
                }
                return null;
            case 0xff: // jmp [rip+disp32]
                if ((entry[at + 1] & 0xff) == 0x25) {
                    return hook(function, here, symbols, "jmp through memory at its entry");
                }
                return null;
            case 0x48:
            case 0x49: // movabs rax/r11, imm64; jmp reg
                if ((entry[at + 1] & 0xff) >= 0xb8 && (entry[at + 1] & 0xff) <= 0xbf && entry.length >= at + 13
                        && ((entry[at + 10] & 0xff) == 0xff || (entry[at + 11] & 0xff) == 0xff)) {
                    return hook(function, b.getLong(at + 2), symbols, "movabs + jmp at its entry");
                }
                return null;
            default:
                return null;
        }
    }

    private static Finding hook(String function, long target, KernelSymbols symbols, String what) {
        return Finding.kernel(IntegrityCheck.INLINE_HOOKS, function, target, symbols.owner(target), function + ": " + what + ", to " + symbols.owner(target));
    }

    static boolean startsWith(byte[] a, byte[] prefix) {
        if (a.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (a[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
