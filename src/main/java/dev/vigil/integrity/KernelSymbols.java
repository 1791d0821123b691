package dev.vigil.integrity;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel's symbols as /proc/kallsyms gives them: where its text starts and ends, each
 * function's address, and for any address the function it falls in. Built-in code only: modules
 * (this kernel has none) add their own text, named after the module. Data symbols are absent when
 * CONFIG_KALLSYMS_ALL is off (as here), which is why sys_call_table is found by its contents.
 */
public final class KernelSymbols {
    /** Text symbols, sorted by address; their names in one byte array (kallsyms has 120,000 of them: no String, no map entry each). */
    private final long[] addresses;
    private final int[] nameStarts;
    private final byte[] nameBytes;
    /** Every other symbol (data, read-only data) the same way, unsorted: asked for by name only. */
    private final long[] otherAddresses;
    private final int[] otherStarts;
    private final byte[] otherBytes;
    private final Map<String, Long> asked = new java.util.concurrent.ConcurrentHashMap<>();
    private final long textStart;
    private final long textEnd;
    private final List<ModuleText> modules;
    private final Map<Long, String> generated;

    /** A module's symbols' span, from kallsyms' "[name]" column: its text as far as its symbols show it. */
    public record ModuleText(String name, long start, long end) {}

    private KernelSymbols(Names text, Names other, List<ModuleText> modules, Map<Long, String> generated) {
        this.addresses = text.addresses;
        this.nameStarts = text.starts;
        this.nameBytes = text.bytes;
        this.otherAddresses = other.addresses;
        this.otherStarts = other.starts;
        this.otherBytes = other.bytes;
        this.modules = List.copyOf(modules);
        this.generated = Map.copyOf(generated);
        this.textStart = address("_stext");
        this.textEnd = address("_etext");
    }

    /** /proc/kallsyms, read now; a kernel that hides its addresses (kptr_restrict) is refused with the reason. */
    public static KernelSymbols load() throws IOException {
        return load(() -> true);
    }

    /** Between two reads of this many bytes, the pace is asked whether to go on. */
    static final int PACED_BYTES = 512 * 1024;

    /**
     * /proc/kallsyms, read in pieces with `pace` asked between them: the kernel spends about 50 ms
     * writing its 120,000 lines (2026-12-07, this VM), the most of any step of a pass. A pace that
     * says stop ends the read with an IOException.
     */
    static KernelSymbols load(IntegrityScan.Pace pace) throws IOException {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream(1 << 22);
        try (java.io.InputStream in = Files.newInputStream(Path.of("/proc/kallsyms"))) {
            byte[] piece = new byte[64 * 1024];
            long sinceAsked = 0;
            for (int n; (n = in.read(piece)) > 0; ) {
                all.write(piece, 0, n);
                sinceAsked += n;
                if (sinceAsked >= PACED_BYTES) {
                    sinceAsked = 0;
                    if (!pace.next()) {
                        throw new IOException("the pass was stopped while kallsyms was read");
                    }
                }
            }
        }
        return parse(all.toByteArray());
    }

    public static KernelSymbols parse(BufferedReader in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String line; (line = in.readLine()) != null; ) {
            b.append(line).append('\n');
        }
        return parse(b.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Symbols and their names as they are added: addresses, where each name starts in one byte array. */
    private static final class Names {
        long[] addresses = new long[1024];
        int[] starts = new int[1025];
        byte[] bytes = new byte[16384];
        int n;

        void add(long address, byte[] from, int start, int end) {
            if (n + 1 >= addresses.length) {
                addresses = Arrays.copyOf(addresses, addresses.length * 2);
                starts = Arrays.copyOf(starts, starts.length * 2);
            }
            int at = starts[n];
            if (at + end - start > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, at + end - start));
            }
            System.arraycopy(from, start, bytes, at, end - start);
            addresses[n] = address;
            starts[++n] = at + end - start;
        }

        /** Trimmed, and sorted by address (kallsyms lists the kernel's own in order: a copy only when it does not). */
        Names finish(boolean sort) {
            addresses = Arrays.copyOf(addresses, n);
            starts = Arrays.copyOf(starts, n + 1);
            bytes = Arrays.copyOf(bytes, starts[n]);
            boolean sorted = true;
            for (int i = 1; i < n && sorted; i++) {
                sorted = Long.compareUnsigned(addresses[i - 1], addresses[i]) <= 0;
            }
            if (!sort || sorted) {
                return this;
            }
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (x, y) -> Long.compareUnsigned(addresses[x], addresses[y]));
            Names out = new Names();
            for (int i : order) {
                out.add(addresses[i], bytes, starts[i], starts[i + 1]);
            }
            return out.finish(false);
        }
    }

    /** kallsyms' lines: "ffffffff81000000 T _stext", a module's with "\t[name]" after. */
    static KernelSymbols parse(byte[] kallsyms) throws IOException {
        Names text = new Names();
        Names other = new Names();
        Map<String, long[]> moduleSpans = new java.util.LinkedHashMap<>();
        Map<Long, String> generated = new HashMap<>();
        boolean anyAddress = false;
        int line = 0;
        while (line < kallsyms.length) {
            int eol = line;
            while (eol < kallsyms.length && kallsyms[eol] != '\n') {
                eol++;
            }
            if (eol - line >= 20 && kallsyms[line + 16] == ' ' && kallsyms[line + 18] == ' ') {
                long address = hex(kallsyms, line, line + 16);
                anyAddress |= address != 0;
                byte type = kallsyms[line + 17];
                int nameEnd = line + 19;
                while (nameEnd < eol && kallsyms[nameEnd] != '\t') {
                    nameEnd++;
                }
                if (nameEnd < eol) {
                    String module = new String(kallsyms, nameEnd + 1, eol - nameEnd - 1, StandardCharsets.ISO_8859_1).replace("[", "").replace("]", "").strip();
                    if (module.startsWith("__builtin__") || module.equals("bpf")) {
                        // an ftrace or kprobe trampoline, a BPF program: code the kernel made at run time
                        generated.put(address, new String(kallsyms, line + 19, nameEnd - line - 19, StandardCharsets.ISO_8859_1) + " [" + module + "]");
                        line = eol + 1;
                        continue;
                    }
                    long[] span = moduleSpans.computeIfAbsent(module, m -> new long[] {-1L, 0});
                    if (Long.compareUnsigned(address, span[0]) < 0) {
                        span[0] = address;
                    }
                    if (Long.compareUnsigned(address, span[1]) > 0) {
                        span[1] = address;
                    }
                }
                boolean isText = type == 'T' || type == 't' || type == 'W' || type == 'w';
                (isText ? text : other).add(address, kallsyms, line + 19, nameEnd);
            }
            line = eol + 1;
        }
        if (!anyAddress) {
            throw new IOException("/proc/kallsyms shows no addresses (kernel.kptr_restrict, or not root)");
        }
        List<ModuleText> modules = new ArrayList<>();
        moduleSpans.forEach((m, span) -> modules.add(new ModuleText(m, span[0], span[1] + 4096)));
        return new KernelSymbols(text.finish(true), other.finish(false), modules, generated);
    }

    private static long hex(byte[] b, int from, int to) throws IOException {
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = Character.digit(b[i], 16);
            if (d < 0) {
                throw new IOException("kallsyms: not an address");
            }
            v = v << 4 | d;
        }
        return v;
    }

    private String name(int i) {
        return new String(nameBytes, nameStarts[i], nameStarts[i + 1] - nameStarts[i], StandardCharsets.ISO_8859_1);
    }

    private static int find(byte[] wanted, long[] addresses, int[] starts, byte[] bytes) {
        for (int i = 0; i < addresses.length; i++) {
            int len = starts[i + 1] - starts[i];
            if (len == wanted.length && Arrays.equals(bytes, starts[i], starts[i + 1], wanted, 0, len)) {
                return i;
            }
        }
        return -1;
    }

    /** The symbol's address, or 0 when kallsyms does not list it (a scan the first time a name is asked for). */
    public long address(String name) {
        return asked.computeIfAbsent(name, n -> {
            byte[] wanted = n.getBytes(StandardCharsets.ISO_8859_1);
            int i = find(wanted, addresses, nameStarts, nameBytes);
            if (i >= 0) {
                return addresses[i];
            }
            int j = find(wanted, otherAddresses, otherStarts, otherBytes);
            return j >= 0 ? otherAddresses[j] : 0L;
        });
    }

    public boolean inKernelText(long address) {
        return Long.compareUnsigned(address, textStart) >= 0 && Long.compareUnsigned(address, textEnd) < 0;
    }

    /** The loaded module whose symbols span this address, or null. */
    public ModuleText module(long address) {
        for (ModuleText m : modules) {
            if (Long.compareUnsigned(address, m.start()) >= 0 && Long.compareUnsigned(address, m.end()) < 0) {
                return m;
            }
        }
        return null;
    }

    public List<ModuleText> modules() {
        return modules;
    }

    /** The text symbol at exactly this address (several may share it: the first listed), or null. */
    public String at(long address) {
        int i = floor(address);
        return i >= 0 && addresses[i] == address ? name(i) : null;
    }

    /** Every text symbol name at exactly this address. */
    public List<String> allAt(long address) {
        int i = floor(address);
        List<String> out = new ArrayList<>(2);
        while (i >= 0 && addresses[i] == address) {
            out.add(name(i));
            i--;
        }
        return out;
    }

    /** Who owns this address: "function+0xoff" in kernel text, "[module] function+0xoff" in a module, else "not in any known text". */
    public String owner(long address) {
        if (inKernelText(address)) {
            int i = floor(address);
            return i < 0 ? "kernel text" : name(i) + (addresses[i] == address ? "" : "+0x" + Long.toHexString(address - addresses[i]));
        }
        String made = generated.get(address);
        if (made != null) {
            return made;
        }
        ModuleText m = module(address);
        if (m != null) {
            int i = floor(address);
            return "[" + m.name() + "] " + (i < 0 ? "" : name(i) + "+0x" + Long.toHexString(address - addresses[i]));
        }
        return NOT_IN_TEXT;
    }

    public static final String NOT_IN_TEXT = "not in any known text";

    /** The code kallsyms names at exactly this address that the kernel made at run time ("ftrace_trampoline [__builtin__ftrace]"), or null. */
    public String generatedAt(long address) {
        return generated.get(address);
    }

    /** Every address kallsyms names as run-time code, with its name. */
    public Map<Long, String> generated() {
        return generated;
    }

    /** Whether the address is in the kernel's init text (freed after boot; the IDT's unused exception gates still name it). */
    public boolean inInitText(long address) {
        long start = address("_sinittext");
        long end = address("_einittext");
        return start != 0 && Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0;
    }

    /** The address of the next symbol after this one's (where its code ends at the latest), or 0. */
    public long nextAfter(long address) {
        int i = floor(address);
        while (i + 1 < addresses.length && addresses[i + 1] == address) {
            i++;
        }
        return i + 1 < addresses.length ? addresses[i + 1] : 0;
    }

    private int floor(long address) {
        int lo = 0;
        int hi = addresses.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(addresses[mid], address) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    public long textStart() {
        return textStart;
    }

    public long textEnd() {
        return textEnd;
    }
}
