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
    private final long[] addresses;
    private final String[] names;
    private final Map<String, Long> byName;
    private final long textStart;
    private final long textEnd;
    private final List<ModuleText> modules;
    private final Map<Long, String> generated;

    /** A module's symbols' span, from kallsyms' "[name]" column: its text as far as its symbols show it. */
    public record ModuleText(String name, long start, long end) {}

    KernelSymbols(long[] addresses, String[] names, Map<String, Long> byName, List<ModuleText> modules, Map<Long, String> generated) {
        this.generated = Map.copyOf(generated);
        this.addresses = addresses;
        this.names = names;
        this.byName = byName;
        this.textStart = byName.getOrDefault("_stext", 0L);
        this.textEnd = byName.getOrDefault("_etext", 0L);
        this.modules = List.copyOf(modules);
    }

    /** /proc/kallsyms, read now; a kernel that hides its addresses (kptr_restrict) is refused with the reason. */
    public static KernelSymbols load() throws IOException {
        try (BufferedReader in = Files.newBufferedReader(Path.of("/proc/kallsyms"), StandardCharsets.US_ASCII)) {
            return parse(in);
        }
    }

    /** Lines of kallsyms' format: "ffffffff81000000 T _stext", a module's with " [name]" after. */
    public static KernelSymbols parse(BufferedReader in) throws IOException {
        List<long[]> text = new ArrayList<>(131_072);
        List<String> textNames = new ArrayList<>(131_072);
        Map<String, Long> byName = new HashMap<>(262_144);
        Map<String, long[]> moduleSpans = new java.util.LinkedHashMap<>();
        Map<Long, String> generated = new HashMap<>();
        boolean anyAddress = false;
        for (String line; (line = in.readLine()) != null; ) {
            int a = line.indexOf(' ');
            if (a != 16 || line.length() < 20) {
                continue;
            }
            long address = Long.parseUnsignedLong(line, 0, 16, 16);
            anyAddress |= address != 0;
            char type = line.charAt(17);
            int nameEnd = line.indexOf('\t', 19);
            String name = line.substring(19, nameEnd < 0 ? line.length() : nameEnd);
            byName.putIfAbsent(name, address);
            if (type == 'T' || type == 't' || type == 'W' || type == 'w') {
                text.add(new long[] {address});
                textNames.add(name);
            }
            if (nameEnd > 0) {
                String module = line.substring(nameEnd + 1).replace("[", "").replace("]", "").strip();
                if (module.startsWith("__builtin__") || module.equals("bpf")) {
                    generated.put(address, name + " [" + module + "]"); // an ftrace or kprobe trampoline, a BPF program: code made at run time
                    continue;
                }
                long[] span = moduleSpans.computeIfAbsent(module, m -> new long[] {Long.MAX_VALUE, 0});
                if (Long.compareUnsigned(address, span[0]) < 0) {
                    span[0] = address;
                }
                if (Long.compareUnsigned(address, span[1]) > 0) {
                    span[1] = address;
                }
            }
        }
        if (!anyAddress) {
            throw new IOException("/proc/kallsyms shows no addresses (kernel.kptr_restrict, or not root)");
        }
        Integer[] order = new Integer[text.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Long.compareUnsigned(text.get(x)[0], text.get(y)[0]));
        long[] addresses = new long[order.length];
        String[] names = new String[order.length];
        for (int i = 0; i < order.length; i++) {
            addresses[i] = text.get(order[i])[0];
            names[i] = textNames.get(order[i]);
        }
        List<ModuleText> modules = new ArrayList<>();
        moduleSpans.forEach((m, span) -> modules.add(new ModuleText(m, span[0], span[1] + 4096)));
        return new KernelSymbols(addresses, names, byName, modules, generated);
    }

    /** The symbol's address, or 0 when kallsyms does not list it. */
    public long address(String name) {
        return byName.getOrDefault(name, 0L);
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
        return i >= 0 && addresses[i] == address ? names[i] : null;
    }

    /** Every text symbol name at exactly this address. */
    public List<String> allAt(long address) {
        int i = floor(address);
        List<String> out = new ArrayList<>(2);
        while (i >= 0 && addresses[i] == address) {
            out.add(names[i]);
            i--;
        }
        return out;
    }

    /** Who owns this address: "function+0xoff" in kernel text, "[module] function+0xoff" in a module, else "not in any known text". */
    public String owner(long address) {
        if (inKernelText(address)) {
            int i = floor(address);
            return i < 0 ? "kernel text" : names[i] + (addresses[i] == address ? "" : "+0x" + Long.toHexString(address - addresses[i]));
        }
        String made = generated.get(address);
        if (made != null) {
            return made;
        }
        ModuleText m = module(address);
        if (m != null) {
            int i = floor(address);
            return "[" + m.name() + "] " + (i < 0 ? "" : names[i] + "+0x" + Long.toHexString(address - addresses[i]));
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
