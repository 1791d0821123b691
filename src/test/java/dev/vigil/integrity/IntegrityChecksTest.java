package dev.vigil.integrity;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kernel check's comparison on synthetic snapshots: kernel rootkits cannot be loaded on this
 * machine, so a hooked syscall slot, a jmp at vfs_read, a foreign IDT gate, a foreign readdir, a
 * hidden module and an ftrace callback outside text are made here as bytes and symbol tables.
 */
class IntegrityChecksTest {
    static final long TEXT = 0xffffffff81000000L;
    static final long MODULE_AREA = 0xffffffffc0a01000L;

    /** A kernel with a few functions, laid out as kallsyms shows them. */
    static KernelSymbols symbols() throws IOException {
        String kallsyms = String.join("\n",
                "ffffffff81000000 T _stext",
                "ffffffff81000100 T __x64_sys_read",
                "ffffffff81000200 T __x64_sys_write",
                "ffffffff81000300 T __x64_sys_open",
                "ffffffff81000400 T __x64_sys_close",
                "ffffffff81000500 T __x64_sys_ni_syscall",
                "ffffffff81000600 W __x64_sys_init_module",
                "ffffffff81000700 T vfs_read",
                "ffffffff81000800 T __fentry__",
                "ffffffff81000900 T proc_root_readdir",
                "ffffffff81000a00 T evil_lookalike",
                "ffffffff81000b00 T x64_sys_call",
                "ffffffff81000c00 T asm_exc_divide_error",
                "ffffffff81000d00 T ftrace_stub",
                "ffffffff82000000 T _etext",
                "ffffffff82400000 D __start_rodata",
                "ffffffff82800000 D __start_ro_after_init",
                "ffffffff83576000 T _sinittext",
                "ffffffff83583360 T early_idt_handler_array",
                "ffffffff835ec770 T _einittext",
                "ffffffffc0203000 t ftrace_trampoline\t[__builtin__ftrace]",
                "ffffffffc0300000 t rootkit_init\t[diamorphine]",
                "ffffffffc0300400 t hacked_kill\t[diamorphine]");
        return KernelSymbols.parse(new BufferedReader(new StringReader(kallsyms)));
    }

    static byte[] longs(long... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }

    @Test
    void symbolsNameOwnersInTextModulesAndRunTimeCode() throws IOException {
        KernelSymbols s = symbols();
        assertEquals("vfs_read+0x10", s.owner(0xffffffff81000710L));
        assertEquals("[diamorphine] hacked_kill+0x8", s.owner(0xffffffffc0300408L));
        assertEquals("ftrace_trampoline [__builtin__ftrace]", s.owner(0xffffffffc0203000L));
        assertEquals(KernelSymbols.NOT_IN_TEXT, s.owner(MODULE_AREA));
        assertEquals(List.of("__x64_sys_init_module"), s.allAt(0xffffffff81000600L));
        assertEquals(0xffffffff81000c00L, s.nextAfter(0xffffffff81000b00L));
        assertThrows(IOException.class, () -> KernelSymbols.parse(new BufferedReader(new StringReader("0000000000000000 T _stext\n"))),
                "kptr_restrict's zeros are refused, not read as a kernel at address 0");
    }

    @Test
    void aHookedSyscallSlotIsFoundInTheTable() throws IOException {
        KernelSymbols s = symbols();
        long read = 0xffffffff81000100L, write = 0xffffffff81000200L, open = 0xffffffff81000300L, close = 0xffffffff81000400L;
        byte[] rodata = new byte[4096];
        byte[] table = longs(read, write, open, close, 0xffffffff81000500L, 0xffffffff81000600L, MODULE_AREA, 0xffffffff81000a00L, 0);
        System.arraycopy(table, 0, rodata, 256, table.length);
        long at = SyscallTable.locate(rodata, 0xffffffff82400000L, new long[] {read, write, open, close});
        assertEquals(0xffffffff82400100L, at);
        long[] slots = SyscallTable.slots(java.util.Arrays.copyOfRange(rodata, 256, 256 + 8 * 16));
        assertEquals(8, slots.length, "the table ends at the first slot that is no kernel address");
        List<Finding> found = SyscallTable.check(slots, s);
        assertEquals(2, found.size(), found.toString());
        assertEquals("sys_call_table[6]", found.get(0).subject());
        assertEquals(KernelSymbols.NOT_IN_TEXT, found.get(0).owner());
        assertEquals("evil_lookalike", found.get(1).owner(), "a slot pointing at a kernel function that is no syscall is a hook too");
        assertTrue(SyscallTable.check(java.util.Arrays.copyOf(slots, 6), s).isEmpty(), "weak COND_SYSCALL stubs and ni_syscall are the kernel's own");
        assertEquals(Set.of("__x64_sys_read", "__x64_sys_write", "__x64_sys_open", "__x64_sys_close", "__x64_sys_init_module"),
                SyscallTable.functions(java.util.Arrays.copyOf(slots, 6), s));
    }

    /** x64_sys_call's shape: compares and tail jumps to each function. */
    static byte[] dispatcher(long base, long... targets) {
        ByteBuffer b = ByteBuffer.allocate(16 * targets.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long t : targets) {
            b.put(new byte[] {(byte) 0x83, (byte) 0xfe, 0x05, 0x0f, (byte) 0x84, 0, 0, 0, 0}); // cmp esi,5; je
            long at = base + b.position();
            b.put((byte) 0xe9).putInt((int) (t - (at + 5)));
            b.put(new byte[] {(byte) 0xcc, (byte) 0xcc});
        }
        return b.array();
    }

    @Test
    void aRedirectedDispatchBranchOrChangedCodeIsFound() throws IOException {
        KernelSymbols s = symbols();
        long base = 0xffffffff81000b00L;
        Set<String> table = Set.of("__x64_sys_read", "__x64_sys_write", "__x64_sys_open");
        byte[] clean = dispatcher(base, 0xffffffff81000100L, 0xffffffff81000200L, 0xffffffff81000300L);
        assertTrue(SyscallDispatch.check(clean, base, table, s, SyscallDispatch.digest(clean)).isEmpty());
        byte[] hooked = dispatcher(base, 0xffffffff81000100L, MODULE_AREA, 0xffffffff81000300L);
        List<Finding> found = SyscallDispatch.check(hooked, base, table, s, SyscallDispatch.digest(clean));
        assertEquals(2, found.size(), found.toString());
        assertTrue(found.get(0).detail().contains("__x64_sys_write"), found.toString());
        assertTrue(found.get(1).detail().contains("changed since the first pass"), found.toString());
        assertEquals(1, SyscallDispatch.check(hooked, base, table, s, null).size(), "no baseline yet: the branch comparison alone");
    }

    static byte[] entry(int... bytes) {
        byte[] out = new byte[16];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = (byte) bytes[i];
        }
        return out;
    }

    static byte[] relative(int opcode, long at, long target) {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) opcode).putInt((int) (target - (at + 5)));
        return b.array();
    }

    @Test
    void aJmpAtVfsReadIsAnInlineHookAndFtraceIsNot() throws IOException {
        KernelSymbols s = symbols();
        long vfsRead = 0xffffffff81000700L;
        java.util.function.LongFunction<String> none = t -> null;
        assertNull(InlineHooks.check("vfs_read", vfsRead, entry(0x0f, 0x1f, 0x44, 0x00, 0x00), s, none), "ftrace's nop");
        assertNull(InlineHooks.check("vfs_read", vfsRead, relative(0xe8, vfsRead, 0xffffffff81000800L), s, none), "a call to __fentry__");
        assertNull(InlineHooks.check("vfs_read", vfsRead, relative(0xe8, vfsRead, 0xffffffffc0024c00L), s, t -> "a BPF trampoline"),
                "a call into a trampoline the kernel made");
        Finding reptile = InlineHooks.check("vfs_read", vfsRead, relative(0xe9, vfsRead, MODULE_AREA), s, none);
        assertNotNull(reptile, "Reptile's jmp");
        assertEquals(MODULE_AREA, reptile.address());
        assertEquals(KernelSymbols.NOT_IN_TEXT, reptile.owner());
        assertNotNull(InlineHooks.check("vfs_read", vfsRead, relative(0xe8, vfsRead, MODULE_AREA), s, none), "a call to unknown code");
        assertNotNull(InlineHooks.check("vfs_read", vfsRead, entry(0xcc), s, none), "int3");
        byte[] movabs = entry(0x48, 0xb8, 0, 0x10, 0xa0, 0xc0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xe0);
        assertEquals(MODULE_AREA & ~0xfffL, InlineHooks.check("vfs_read", vfsRead, movabs, s, none).address());
        assertNotNull(InlineHooks.check("vfs_read", vfsRead, entry(0x68, 0x00, 0x10, 0xa0, 0xc0, 0xc3), s, none), "push + ret");
        byte[] ibt = new byte[16];
        System.arraycopy(new byte[] {(byte) 0xf3, 0x0f, 0x1e, (byte) 0xfa}, 0, ibt, 0, 4);
        System.arraycopy(relative(0xe9, vfsRead + 4, MODULE_AREA), 0, ibt, 4, 5);
        assertNotNull(InlineHooks.check("vfs_read", vfsRead, ibt, s, none), "after endbr64");
        assertNull(InlineHooks.check("x64_sys_call", 0xffffffff81000b00L, entry(0x81, 0xfe, 0xc2, 0, 0, 0), s, none), "an untraced function's own code");
    }

    static byte[] idt(long handler) {
        ByteBuffer b = ByteBuffer.allocate(Idt.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int g = 0; g < Idt.GATES; g++) {
            gate(b, g, handler);
        }
        return b.array();
    }

    static void gate(ByteBuffer b, int g, long handler) {
        b.putShort(g * 16, (short) handler).putShort(g * 16 + 2, (short) Idt.KERNEL_CS).putShort(g * 16 + 4, (short) 0x8e00)
                .putShort(g * 16 + 6, (short) (handler >>> 16)).putInt(g * 16 + 8, (int) (handler >>> 32));
    }

    @Test
    void aForeignIdtGateIsFound() throws IOException {
        KernelSymbols s = symbols();
        byte[] clean = idt(0xffffffff81000c00L);
        assertTrue(Idt.looksLikeIdt(clean));
        assertTrue(Idt.check(clean, s).isEmpty());
        ByteBuffer b = ByteBuffer.wrap(clean).order(ByteOrder.LITTLE_ENDIAN);
        gate(b, 18, 0xffffffff83583402L); // machine check, left to the boot's early handler on a VM
        assertTrue(Idt.check(clean, s).isEmpty(), "an unclaimed exception vector keeps the early handler in init text");
        gate(b, 0x80, MODULE_AREA);
        List<Finding> found = Idt.check(clean, s);
        assertEquals(1, found.size());
        assertEquals("idt[128]", found.getFirst().subject());
        assertEquals(MODULE_AREA, found.getFirst().address());
        assertTrue(!Idt.looksLikeIdt(new byte[Idt.SIZE]), "zeros are no IDT");
    }

    @Test
    void aForeignProcReaddirOrTableIsFound() throws IOException {
        KernelSymbols s = symbols();
        long rodataStart = s.address("__start_rodata"), rodataEnd = s.address("__start_ro_after_init");
        ProcFileOps.Directory proc = ProcFileOps.DIRECTORIES.getFirst();
        long table = 0xffffffff82412340L;
        assertTrue(ProcFileOps.check(proc, new KernelReader.FileOps(table, 0xffffffff81000900L, 0, table), s, rodataStart, rodataEnd).isEmpty());
        List<Finding> readdir = ProcFileOps.check(proc, new KernelReader.FileOps(table, MODULE_AREA, 0, table), s, rodataStart, rodataEnd);
        assertEquals(1, readdir.size());
        assertEquals("/proc iterate_shared", readdir.getFirst().subject());
        assertEquals(1, ProcFileOps.check(proc, new KernelReader.FileOps(table, 0xffffffff81000a00L, 0, table), s, rodataStart, rodataEnd).size(),
                "a kernel function that is not proc_root_readdir");
        List<Finding> swapped = ProcFileOps.check(proc, new KernelReader.FileOps(MODULE_AREA, 0xffffffff81000900L, 0, MODULE_AREA), s, rodataStart, rodataEnd);
        assertEquals(1, swapped.size(), "a table of the rootkit's own, outside .rodata");
    }

    @Test
    void aModuleMissingFromTheModuleListIsHidden() {
        assertTrue(HiddenModules.compare(Set.of("ext4", "nf_tables"), Set.of("ext4", "nf_tables"), Set.of("ext4")).isEmpty());
        List<Finding> found = HiddenModules.compare(Set.of("ext4"), Set.of("ext4", "diamorphine"), Set.of("ext4", "diamorphine", "reptile"));
        assertEquals(List.of("diamorphine", "reptile"), found.stream().map(Finding::subject).toList());
    }

    @Test
    void anFtraceCallbackOutsideTextIsFound() throws IOException {
        KernelSymbols s = symbols();
        String enabled = String.join("\n",
                "vfs_read (1) R I   tramp: 0xffffffffc0203000 (ftrace_trampoline+0x0/0x1a0) ->ftrace_stub+0x0/0x10",
                "__x64_sys_kill (1) R I   tramp: 0xffffffffc0203000 (ftrace_trampoline+0x0/0x1a0) ->0xffffffffc0a01000",
                "tcp4_seq_show (1) R I   tramp: 0xffffffffc0203000 (ftrace_trampoline+0x0/0x1a0) ->hacked_seq_show+0x0/0x90 [diamorphine]");
        List<Finding> found = Ftrace.check(enabled, s);
        assertEquals(List.of("__x64_sys_kill", "tcp4_seq_show"), found.stream().map(Finding::subject).toList());
        byte[] site = relative(0xe8, 0xffffffff81000d00L, MODULE_AREA);
        assertEquals(MODULE_AREA, Ftrace.callAt(site, 0, 0xffffffff81000d00L));
        assertNotNull(Ftrace.callback("ftrace_call", MODULE_AREA, s));
        assertNull(Ftrace.callback("ftrace_call", 0xffffffff81000d00L, s), "ftrace_stub");
        assertNull(Ftrace.callback("ftrace_call", 0xffffffffc0203000L, s), "a trampoline kallsyms names");
    }

    static KernelReader.KernelTask task(int pid, long start, String comm) {
        return new KernelReader.KernelTask(pid, 0, start, comm);
    }

    @Test
    void aProcessTheKernelHasAndTheListingLacksIsHiddenWhenItLivedThroughTheListing() {
        List<KernelReader.KernelTask> before = List.of(task(0, 0, "swapper/0"), task(1, 1, "init"), task(100, 5, "vigil-miner"),
                task(200, 6, "short"), task(300, 7, "reused"), task(400, 8, "rootkitted"));
        List<KernelReader.KernelTask> after = List.of(task(0, 0, "swapper/0"), task(1, 1, "init"), task(100, 5, "vigil-miner"),
                task(300, 99, "new"), task(400, 8, "rootkitted"));
        HiddenProcesses.Listing agent = new HiddenProcesses.Listing("the agent's", Set.of(1, 100), Set.of(1, 100));
        HiddenProcesses.Listing fresh = new HiddenProcesses.Listing("a new process's", Set.of(1), Set.of(1));
        List<Finding> found = HiddenProcesses.compare(before, List.of(agent, fresh), after, pid -> pid != 400, pid -> "/tmp/x");
        assertEquals(List.of(100, 400), found.stream().map(Finding::pid).toList(), "200 ended and 300's pid was reused meanwhile: not hidden");
        assertEquals("listing", found.get(0).subject());
        assertTrue(found.get(0).detail().contains("missing from a new process's readdir"), "the agent's own view still had it: " + found);
        assertEquals("proc", found.get(1).subject());
        HiddenProcesses.Listing eitherLook = new HiddenProcesses.Listing("the agent's", Set.of(1), Set.of(1, 100, 400));
        assertTrue(HiddenProcesses.compare(before, List.of(eitherLook), after, pid -> true, pid -> "").isEmpty(), "listed by either look: not hidden");
    }

    @Test
    void preloadedLibrariesAreReadAsTheFileSaysAndHostileElfDoesNotCrash(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        assertEquals(List.of("/lib/a.so", "/lib/b.so", "/lib/c.so"), PreloadHiders.named("# a comment\n/lib/a.so /lib/b.so\n\n/lib/c.so\n"));
        Set<String> libc = ElfExports.of(Path.of("/lib/x86_64-linux-gnu/libc.so.6"));
        assertTrue(libc.contains("readdir64") && libc.contains("open"), "libc's exports, read from its .dynsym");
        byte[] garbage = Files.readAllBytes(Path.of("/lib/x86_64-linux-gnu/libc.so.6"));
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < 200; i++) {
            byte[] mutated = java.util.Arrays.copyOf(garbage, 4096 + r.nextInt(garbage.length - 4096));
            for (int k = 0; k < 64; k++) {
                mutated[r.nextInt(Math.min(mutated.length, 8192))] = (byte) r.nextInt();
            }
            try {
                ElfExports.of(mutated);
            } catch (IOException refused) {
                // a clear refusal is what hostile input gets
            }
        }
        Path notElf = Files.writeString(dir.resolve("x.so"), "#!/bin/sh\n");
        assertTrue(new PreloadHiders().hiding(notElf.toString()).isEmpty());
        assertTrue(new PreloadHiders().hiding(dir.resolve("missing.so").toString()).isEmpty());
    }

    @Test
    void disguisesAndMountsOverProc() {
        long user = 0x400000, kthread = ProcessDisguises.PF_KTHREAD;
        assertNotNull(ProcessDisguises.kernelThreadLookalike(new ProcView.Facts(9, "sleep", user, "[kworker/0:9]", "/usr/bin/sleep", "")));
        assertNotNull(ProcessDisguises.kernelThreadLookalike(new ProcView.Facts(9, "kdevtmpfsi", user, "./kdevtmpfsi", "/tmp/kdevtmpfsi", "")));
        assertNull(ProcessDisguises.kernelThreadLookalike(new ProcView.Facts(2, "kthreadd", kthread, "", "", "")), "a real kernel thread");
        assertNull(ProcessDisguises.kernelThreadLookalike(new ProcView.Facts(9, "bash", user, "-bash", "/usr/bin/bash", "")));
        assertNotNull(ProcessDisguises.deletedExecutable(new ProcView.Facts(9, "x", user, "x", "/tmp/vigil-gone-for-good/x (deleted)", "")));
        assertNull(ProcessDisguises.deletedExecutable(new ProcView.Facts(9, "bash", user, "bash", "/usr/bin/bash (deleted)", "")),
                "replaced in place, as an upgrade does");
        assertNull(ProcessDisguises.deletedExecutable(new ProcView.Facts(9, "runc", user, "runc", "/memfd:runc_cloned:/proc/self/exe (deleted)", "")));
        String mountinfo = "22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
                + "90 22 0:50 / /proc/4242 rw,relatime - tmpfs none rw\n"
                + "91 22 0:51 /empty\\040dir /proc/77/task rw - tmpfs none rw\n"
                + "92 1 8:1 / /srv/proc/4242 rw - ext4 /dev/sda1 rw\n";
        List<Finding> mounts = ProcessDisguises.procMounts(mountinfo);
        assertEquals(List.of(4242, 77), mounts.stream().map(Finding::pid).toList());
        assertTrue(mounts.get(1).detail().contains("/empty dir"), mounts.toString());
    }
}
