package dev.vigil.integrity;

import dev.vigil.bpf.BpfException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One pass of every check, in order, each timed and each reporting clean, its findings, or why it
 * cannot run on this kernel. Kernel checks read through a {@link KernelReader}; when BPF cannot load,
 * each says so. Not thread-safe: one pass at a time.
 */
public final class IntegrityScan implements AutoCloseable {
    /** Where the first pass of a boot leaves x64_sys_call's digest; /run is cleared by a reboot. */
    static final Path BASELINE = Path.of("/run/vigil/integrity.baseline");

    private KernelReader reader;
    private String readerFailure;
    private KernelSymbols symbols;
    private String symbolsFailure;
    private long syscallTable;
    private final PreloadHiders preload = new PreloadHiders();
    private final Path baseline = BASELINE;

    /**
     * Asked before each step of a pass (reading the kernel's symbols, and between pieces of that read;
     * opening the kernel reader; each check but the three that read the process snapshot the
     * hidden-process check took): false ends the pass there. The agent waits in it for the host to
     * be quiet, so that a workload that starts during a pass pays for one step of it, not the rest.
     */
    @FunctionalInterface
    public interface Pace {
        boolean next();
    }

    /** One pass, every step at once. */
    public List<CheckResult> run() {
        return run(() -> true);
    }

    /** One pass, paced by `pace`: the checks run before it said stop. */
    public List<CheckResult> run(Pace pace) {
        try {
            return pass(pace);
        } finally {
            // kallsyms is read afresh by each pass (a module loaded since is named in the next): its
            // 120,000 symbols took 4.4 MiB of the agent's heap between passes
            symbols = null;
            symbolsFailure = null;
        }
    }

    /** A check of a pass; `paced` false: it runs right after the one before, on the same snapshot of the processes. */
    private record Step(IntegrityCheck check, boolean paced, Body body) {}

    private List<CheckResult> pass(Pace pace) {
        List<CheckResult> out = new ArrayList<>();
        if (!pace.next()) {
            return out;
        }
        readSymbols(pace);
        if (!pace.next()) {
            return out;
        }
        openReader();
        ProcessSnapshot processes = new ProcessSnapshot();
        List<Step> steps = List.of(
                new Step(IntegrityCheck.SYSCALL_TABLE, true, this::syscallTable),
                new Step(IntegrityCheck.SYSCALL_DISPATCH, true, this::syscallDispatch),
                new Step(IntegrityCheck.INLINE_HOOKS, true, this::inlineHooks),
                new Step(IntegrityCheck.IDT, true, this::idt),
                new Step(IntegrityCheck.PROC_FILE_OPS, true, this::procFileOps),
                new Step(IntegrityCheck.HIDDEN_MODULES, true, this::hiddenModules),
                new Step(IntegrityCheck.FTRACE, true, this::ftrace),
                new Step(IntegrityCheck.HIDDEN_PROCESSES, true, () -> hiddenProcesses(processes)),
                new Step(IntegrityCheck.PRELOAD_HIDERS, false, () -> preloadHiders(processes)),
                new Step(IntegrityCheck.FAKE_KERNEL_THREADS, false,
                        () -> perProcess(processes, IntegrityCheck.FAKE_KERNEL_THREADS, ProcessDisguises::kernelThreadLookalike)),
                new Step(IntegrityCheck.DELETED_EXECUTABLES, false,
                        () -> perProcess(processes, IntegrityCheck.DELETED_EXECUTABLES, ProcessDisguises::deletedExecutable)),
                new Step(IntegrityCheck.PROC_MOUNTS, true, this::procMounts));
        for (Step step : steps) {
            if (step.paced() && !pace.next()) {
                break;
            }
            out.add(timed(step.check(), step.body()));
        }
        return out;
    }

    /** A library in an exec's LD_PRELOAD that hides (the kernel's execve event carries the variable), or null. */
    public Finding preloadedAtExec(int pid, String comm, String exe, String ldPreload) {
        for (String library : ldPreload.split("[\\s:]+")) {
            if (!library.isEmpty()) {
                Finding f = preload.fromProcess(pid, comm, exe, library);
                if (f != null) {
                    return f;
                }
            }
        }
        return null;
    }

    private void readSymbols(Pace pace) {
        if (symbols == null && symbolsFailure == null) {
            try {
                symbols = KernelSymbols.load(pace);
            } catch (IOException | RuntimeException e) {
                symbolsFailure = "no kernel symbols: " + e.getMessage();
            }
        }
    }

    private void openReader() {
        if (reader == null && readerFailure == null) {
            try {
                reader = KernelReader.open();
            } catch (BpfException | UnsupportedOperationException | IllegalStateException e) {
                readerFailure = "the integrity BPF programs cannot load: " + e.getMessage();
            }
        }
    }

    /** A check's body: the findings and what it covered, or NotRunnable. */
    private interface Body {
        Covered run() throws NotRunnable, KernelReader.Unreadable, IOException;
    }

    private record Covered(String what, List<Finding> findings) {}

    static final class NotRunnable extends Exception {
        NotRunnable(String why) {
            super(why);
        }
    }

    private CheckResult timed(IntegrityCheck check, Body body) {
        long t0 = System.nanoTime();
        try {
            Covered c = body.run();
            return CheckResult.of(check, c.what(), c.findings(), System.nanoTime() - t0);
        } catch (NotRunnable e) {
            return CheckResult.notRunnable(check, e.getMessage(), System.nanoTime() - t0);
        } catch (KernelReader.Unreadable | IOException | RuntimeException e) {
            return CheckResult.notRunnable(check, "failed: " + e.getMessage(), System.nanoTime() - t0);
        }
    }

    private KernelReader kernel() throws NotRunnable {
        if (symbols == null) {
            throw new NotRunnable(symbolsFailure);
        }
        if (reader == null) {
            throw new NotRunnable(readerFailure);
        }
        return reader;
    }

    private long[] tableSlots() throws NotRunnable, KernelReader.Unreadable {
        KernelReader k = kernel();
        if (syscallTable == 0) {
            long[] first = new long[SyscallTable.FIRST_SLOTS.length];
            for (int i = 0; i < first.length; i++) {
                first[i] = symbols.address(SyscallTable.FIRST_SLOTS[i]);
                if (first[i] == 0) {
                    throw new NotRunnable("kallsyms has no " + SyscallTable.FIRST_SLOTS[i] + ": not an x86-64 kernel Vigil knows");
                }
            }
            long start = symbols.address("__start_rodata");
            long end = symbols.address("__start_ro_after_init");
            if (start == 0 || end == 0 || Long.compareUnsigned(end, start) <= 0) {
                throw new NotRunnable("kallsyms has no __start_rodata/__start_ro_after_init to look for sys_call_table in");
            }
            for (long at = start; Long.compareUnsigned(at, end) < 0 && syscallTable == 0; at += 1 << 20) {
                int len = (int) Math.min(1 << 20, end - at) + 24; // overlap: a table across two windows is found in the first
                syscallTable = SyscallTable.locate(k.read(at, len), at, first);
            }
            if (syscallTable == 0) {
                throw new NotRunnable("sys_call_table not found in .rodata");
            }
        }
        return SyscallTable.slots(k.read(syscallTable, SyscallTable.MAX_SLOTS * 8));
    }

    private Covered syscallTable() throws NotRunnable, KernelReader.Unreadable {
        long[] slots = tableSlots();
        return new Covered(slots.length + " slots at 0x" + Long.toHexString(syscallTable), SyscallTable.check(slots, symbols));
    }

    private Covered syscallDispatch() throws NotRunnable, KernelReader.Unreadable {
        KernelReader k = kernel();
        long start = symbols.address("x64_sys_call");
        if (start == 0) {
            throw new NotRunnable("no x64_sys_call: this kernel (before 6.9) dispatches through sys_call_table alone, which syscall_table checks");
        }
        long end = symbols.nextAfter(start);
        if (end == 0 || end - start > 1 << 16) {
            throw new NotRunnable("x64_sys_call's size is unknown");
        }
        byte[] code = k.read(start, (int) (end - start));
        String known = baselineDigest(SyscallDispatch.digest(code));
        Set<String> functions = SyscallTable.functions(tableSlots(), symbols);
        return new Covered(functions.size() + " syscall functions reached, " + code.length + " bytes against this boot's first pass",
                SyscallDispatch.check(code, start, functions, symbols, known));
    }

    /** The digest the first pass of this boot recorded (recording this one when there is none). */
    private String baselineDigest(String now) {
        String boot;
        try {
            boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
        } catch (IOException e) {
            return null;
        }
        try {
            List<String> lines = Files.readAllLines(baseline);
            if (lines.size() >= 2 && lines.get(0).equals(boot)) {
                return lines.get(1);
            }
        } catch (IOException none) {
            // the first pass of this boot
        }
        try {
            Files.createDirectories(baseline.getParent());
            Path tmp = baseline.resolveSibling(baseline.getFileName() + ".tmp");
            Files.writeString(tmp, boot + "\n" + now + "\n");
            Files.move(tmp, baseline, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException unwritable) {
            // compared within this pass only
        }
        return null;
    }

    private Covered inlineHooks() throws NotRunnable, KernelReader.Unreadable {
        KernelReader k = kernel();
        List<byte[]> ftraceCallers = new ArrayList<>();
        for (String caller : List.of("ftrace_caller", "ftrace_regs_caller")) {
            if (symbols.address(caller) != 0) {
                ftraceCallers.add(k.read(symbols.address(caller), 32));
            }
        }
        List<Finding> out = new ArrayList<>();
        Set<String> traced = new LinkedHashSet<>();
        int checked = 0;
        for (String f : InlineHooks.FUNCTIONS) {
            long at = symbols.address(f);
            if (at == 0) {
                continue;
            }
            checked++;
            Finding hook = InlineHooks.check(f, at, k.read(at, 16), symbols, target -> {
                String made = trampoline(k, target, ftraceCallers);
                if (made != null) {
                    traced.add(f + " (" + made + ")");
                }
                return made;
            });
            if (hook != null) {
                out.add(hook);
            }
        }
        return new Covered(checked + " of " + InlineHooks.FUNCTIONS.size() + " functions" + (traced.isEmpty() ? "" : "; traced: " + String.join(", ", traced)), out);
    }

    /**
     * What the kernel made at this address, when it did: an ftrace trampoline (kallsyms names it, or it
     * is a copy of ftrace_caller) or a BPF trampoline (fentry/fexit: it calls __bpf_prog_enter*);
     * null for code nobody accounts for.
     */
    private String trampoline(KernelReader k, long target, List<byte[]> ftraceCallers) {
        String named = symbols.generatedAt(target);
        if (named != null) {
            return named;
        }
        byte[] code;
        try {
            code = k.read(target, 160);
        } catch (KernelReader.Unreadable e) {
            return null;
        }
        for (byte[] caller : ftraceCallers) {
            if (InlineHooks.startsWith(code, caller)) {
                return "an ftrace trampoline";
            }
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(code).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 5 <= code.length; i++) {
            if ((code[i] & 0xff) == 0xe8) {
                String callee = symbols.at(target + i + 5 + b.getInt(i + 1));
                if (callee != null && (callee.startsWith("__bpf_prog_enter") || callee.startsWith("__bpf_tramp_enter"))) {
                    return "a BPF trampoline: fentry/fexit programs";
                }
            }
        }
        return null;
    }

    private Covered idt() throws NotRunnable {
        KernelReader k = kernel();
        byte[] idt;
        try {
            idt = k.read(Idt.CPU_ENTRY_AREA_RO_IDT, Idt.SIZE);
        } catch (KernelReader.Unreadable e) {
            throw new NotRunnable("the read-only IDT is not where 4-level paging maps it (5-level paging?): " + e.getMessage());
        }
        if (!Idt.looksLikeIdt(idt)) {
            throw new NotRunnable("the CPU entry area's first page does not hold an IDT on this kernel");
        }
        return new Covered(Idt.GATES + " gates", Idt.check(idt, symbols));
    }

    private Covered procFileOps() throws NotRunnable, KernelReader.Unreadable {
        KernelReader k = kernel();
        long rodataStart = symbols.address("__start_rodata");
        long rodataEnd = symbols.address("__start_ro_after_init");
        List<Finding> out = new ArrayList<>();
        for (ProcFileOps.Directory d : ProcFileOps.DIRECTORIES) {
            int fd = Descriptors.openDirectory(d.path());
            if (fd < 0) {
                throw new NotRunnable("cannot open " + d.path());
            }
            try {
                out.addAll(ProcFileOps.check(d, k.fileOps(fd), symbols, rodataStart, rodataEnd));
            } finally {
                Descriptors.close(fd);
            }
        }
        return new Covered(ProcFileOps.DIRECTORIES.size() + " directories", out);
    }

    private Covered hiddenModules() throws NotRunnable, IOException {
        Path procModules = Path.of("/proc/modules");
        if (!Files.exists(procModules)) {
            throw new NotRunnable("this kernel has no module support (no /proc/modules): nothing can be loaded, or hidden, as a module");
        }
        Set<String> listed = new HashSet<>();
        for (String l : Files.readAllLines(procModules)) {
            listed.add(l.split(" ", 2)[0]);
        }
        Set<String> sys = new LinkedHashSet<>();
        try (var d = Files.newDirectoryStream(Path.of("/sys/module"))) {
            for (Path m : d) {
                if (Files.exists(m.resolve("initstate"))) {
                    sys.add(m.getFileName().toString());
                }
            }
        }
        Set<String> inKallsyms = new LinkedHashSet<>();
        if (symbols != null) {
            symbols.modules().forEach(m -> inKallsyms.add(m.name()));
        }
        return new Covered(listed.size() + " modules listed", HiddenModules.compare(listed, sys, inKallsyms));
    }

    private Covered ftrace() throws NotRunnable, KernelReader.Unreadable {
        KernelReader k = kernel();
        List<Finding> out = new ArrayList<>();
        List<String> covered = new ArrayList<>();
        // the global call sites, and each trampoline's copy of them
        record Caller(String start, String site, String end) {}
        List<Caller> callers = List.of(new Caller("ftrace_caller", "ftrace_call", "ftrace_caller_end"),
                new Caller("ftrace_regs_caller", "ftrace_regs_call", "ftrace_regs_caller_end"));
        List<byte[]> prefixes = new ArrayList<>();
        for (Caller c : callers) {
            long start = symbols.address(c.start());
            long site = symbols.address(c.site());
            long end = symbols.address(c.end());
            if (start == 0 || site == 0 || end == 0) {
                throw new NotRunnable("kallsyms has no " + c.start() + "/" + c.site() + "/" + c.end() + ": no dynamic ftrace on this kernel");
            }
            byte[] code = k.read(start, (int) (end - start));
            prefixes.add(java.util.Arrays.copyOf(code, 32));
            Finding f = Ftrace.callback(c.site(), Ftrace.callAt(code, (int) (site - start), start), symbols);
            if (f != null) {
                out.add(f);
            }
        }
        covered.add("ftrace_call, ftrace_regs_call");
        int trampolines = 0;
        for (var g : symbols.generated().entrySet()) {
            if (!g.getValue().startsWith("ftrace_trampoline")) {
                continue;
            }
            long at = g.getKey();
            byte[] head = k.read(at, 32);
            for (int i = 0; i < callers.size(); i++) {
                if (!java.util.Arrays.equals(head, prefixes.get(i))) {
                    continue;
                }
                trampolines++;
                Caller c = callers.get(i);
                long start = symbols.address(c.start());
                int size = (int) (symbols.address(c.end()) - start);
                byte[] code = k.read(at, size + 16);
                Finding f = Ftrace.callback("ftrace trampoline 0x" + Long.toHexString(at), Ftrace.callAt(code, (int) (symbols.address(c.site()) - start), at), symbols);
                if (f != null) {
                    out.add(f);
                }
                long ops = opsAfter(code, size);
                if (ops != 0) {
                    f = Ftrace.callback("ftrace trampoline 0x" + Long.toHexString(at) + " ops->func", java.nio.ByteBuffer.wrap(k.read(ops, 8))
                            .order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(), symbols);
                    if (f != null) {
                        out.add(f);
                    }
                }
            }
        }
        covered.add(trampolines + " trampolines");
        Path enabled = Path.of("/sys/kernel/tracing/enabled_functions");
        try {
            String text = new String(ProcView.head(enabled), StandardCharsets.UTF_8);
            covered.add(text.lines().count() + " traced functions");
            out.addAll(Ftrace.check(text, symbols));
        } catch (IOException e) {
            covered.add("enabled_functions unreadable (" + (e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null ? fs.getReason() : e.getMessage()) + ")");
        }
        return new Covered(String.join("; ", covered), out);
    }

    /** The ops pointer ftrace stores after a trampoline's copy and its return (a 5-byte jmp to the return thunk, or a ret and an int3). */
    private static long opsAfter(byte[] code, int size) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(code).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int ret = (code[size] & 0xff) == 0xe9 ? 5 : (code[size] & 0xff) == 0xc3 ? ((code[size + 1] & 0xff) == 0xcc ? 2 : 1) : -1;
        if (ret < 0 || size + ret + 8 > code.length) {
            return 0;
        }
        long ops = b.getLong(size + ret);
        return Long.compareUnsigned(ops, 0xffff800000000000L) >= 0 ? ops : 0;
    }

    /** The processes of one pass: the kernel's list (twice), /proc's listing (twice), and /proc's facts of each. */
    private final class ProcessSnapshot {
        KernelReader.TaskList before;
        KernelReader.TaskList after;
        Set<Integer> listed;
        List<HiddenProcesses.Listing> listings;
        String failure;
        private final java.util.Map<Integer, Optional<ProcView.Facts>> facts = new java.util.HashMap<>();

        /** The kernel's list and the listings, taken by the hidden-process check (so that its time is that check's). */
        void take() {
            try {
                KernelReader k = kernel();
                before = k.processes();
                listed = ProcView.listing();
                Set<Integer> byNewProcess = ProcView.listingOfANewProcess();
                Set<Integer> listedAgain = ProcView.listing();
                Set<Integer> byNewProcessAgain = ProcView.listingOfANewProcess();
                after = k.processes();
                listings = List.of(new HiddenProcesses.Listing("the agent's", listed, listedAgain),
                        new HiddenProcesses.Listing("a new process's", byNewProcess, byNewProcessAgain));
            } catch (NotRunnable e) {
                failure = e.getMessage();
            } catch (IOException | RuntimeException e) {
                failure = "failed: " + e.getMessage();
            }
        }

        /** Every pid the kernel or the listing knows. */
        Set<Integer> pids() {
            Set<Integer> out = new java.util.TreeSet<>();
            if (before != null) {
                before.tasks().forEach(t -> out.add(t.tgid()));
            }
            if (listed != null) {
                out.addAll(listed);
            } else {
                try {
                    out.addAll(ProcView.listing());
                } catch (IOException ignored) {
                    // no processes to look at
                }
            }
            out.remove(0);
            return out;
        }

        Optional<ProcView.Facts> facts(int pid) {
            return facts.computeIfAbsent(pid, ProcView::facts);
        }
    }

    private Covered hiddenProcesses(ProcessSnapshot p) throws NotRunnable {
        p.take();
        if (p.failure != null) {
            throw new NotRunnable(p.failure);
        }
        if (!p.before.complete() || !p.after.complete()) {
            throw new NotRunnable(p.before.truncated() ? "more than " + KernelReader.MAX_TASKS + " processes" : "the kernel's task list changed under the walk");
        }
        return new Covered(p.before.tasks().size() + " processes on the kernel's list, " + p.listed.size() + " in the agent's /proc, "
                + p.listings.get(1).first().size() + " in ls's",
                HiddenProcesses.compare(p.before.tasks(), p.listings, p.after.tasks(), ProcView::answers, ProcView::exe));
    }

    private Covered preloadHiders(ProcessSnapshot p) throws IOException {
        List<Finding> out = new ArrayList<>();
        String named = "no /etc/ld.so.preload";
        if (Files.exists(PreloadHiders.LD_SO_PRELOAD)) {
            List<String> libraries = PreloadHiders.named(new String(ProcView.head(PreloadHiders.LD_SO_PRELOAD), StandardCharsets.UTF_8));
            named = "/etc/ld.so.preload names " + libraries.size();
            for (String l : libraries) {
                Finding f = preload.fromPreloadFile(l);
                if (f != null) {
                    out.add(f);
                }
            }
        }
        int preloaded = 0;
        for (int pid : p.pids()) {
            Optional<ProcView.Facts> f = p.facts(pid);
            if (f.isPresent() && !f.get().ldPreload().isEmpty()) {
                preloaded++;
                Finding found = preloadedAtExec(pid, f.get().comm(), f.get().exe(), f.get().ldPreload());
                if (found != null) {
                    out.add(found);
                }
            }
        }
        return new Covered(named + "; " + preloaded + " processes with LD_PRELOAD", out);
    }

    private Covered perProcess(ProcessSnapshot p, IntegrityCheck check, java.util.function.Function<ProcView.Facts, Finding> test) {
        List<Finding> out = new ArrayList<>();
        int n = 0;
        for (int pid : p.pids()) {
            Optional<ProcView.Facts> f = p.facts(pid);
            if (f.isPresent()) {
                n++;
                Finding found = test.apply(f.get());
                if (found != null) {
                    out.add(found);
                }
            }
        }
        return new Covered(n + " processes", out);
    }

    private Covered procMounts() throws IOException {
        String mountinfo = Files.readString(Path.of("/proc/self/mountinfo"));
        return new Covered(mountinfo.lines().count() + " mounts", ProcessDisguises.procMounts(mountinfo));
    }

    @Override
    public void close() {
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }
}
