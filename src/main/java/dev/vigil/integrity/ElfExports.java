package dev.vigil.integrity;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The functions a shared library exports (defined, global or weak, in .dynsym): what it can
 * interpose when preloaded. The file is the attacker's: every offset and size is checked against
 * the bytes read, and what cannot be read is an error, never a crash.
 */
public final class ElfExports {
    private ElfExports() {}

    static final int MAX_BYTES = 64 << 20;

    /** Exports read already, by the file's path, identity, time and size (a replaced library is read again); bounded. */
    private static final java.util.Map<String, Set<String>> READ = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_CACHED = 4096;

    /** {@link #of(Path)}, read once per file: preloaded libraries are asked about at every exec and every pass. */
    public static Set<String> cached(Path library) throws IOException {
        var a = java.nio.file.Files.readAttributes(library, java.nio.file.attribute.BasicFileAttributes.class);
        String key = library + "\0" + a.fileKey() + "\0" + a.lastModifiedTime().toMillis() + "\0" + a.size();
        Set<String> known = READ.get(key);
        if (known != null) {
            return known;
        }
        Set<String> read = of(library);
        if (READ.size() >= MAX_CACHED) {
            READ.clear();
        }
        READ.put(key, read);
        return read;
    }

    public static Set<String> of(Path library) throws IOException {
        try (FileChannel ch = FileChannel.open(library, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > MAX_BYTES) {
                throw new IOException("larger than " + (MAX_BYTES >> 20) + " MiB");
            }
            ByteBuffer b = ByteBuffer.allocate((int) size);
            while (b.hasRemaining() && ch.read(b) > 0) {
                // read it all
            }
            return of(b.array());
        }
    }

    static Set<String> of(byte[] elf) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        if (elf.length < 64 || b.getInt(0) != 0x464c457f || elf[4] != 2 || elf[5] != 1) {
            throw new IOException("not a 64-bit little-endian ELF file");
        }
        long shoff = b.getLong(0x28);
        int shentsize = b.getShort(0x3a) & 0xffff;
        int shnum = b.getShort(0x3c) & 0xffff;
        if (shoff <= 0 || shentsize < 64 || shoff + (long) shnum * shentsize > elf.length) {
            throw new IOException("no section headers");
        }
        for (int i = 0; i < shnum; i++) {
            int sh = (int) (shoff + (long) i * shentsize);
            if (b.getInt(sh + 4) != 11) { // SHT_DYNSYM
                continue;
            }
            long symOff = b.getLong(sh + 0x18);
            long symSize = b.getLong(sh + 0x20);
            long entSize = b.getLong(sh + 0x38);
            int link = b.getInt(sh + 0x28);
            if (link < 0 || link >= shnum || entSize < 24) {
                throw new IOException("a broken .dynsym");
            }
            int str = (int) (shoff + (long) link * shentsize);
            long strOff = b.getLong(str + 0x18);
            long strSize = b.getLong(str + 0x20);
            if (symOff < 0 || symSize < 0 || symOff + symSize > elf.length || strOff < 0 || strSize < 0 || strOff + strSize > elf.length) {
                throw new IOException("a .dynsym past the end of the file");
            }
            Set<String> out = new LinkedHashSet<>();
            for (long s = symOff; s + 24 <= symOff + symSize; s += entSize) {
                int name = b.getInt((int) s);
                int info = elf[(int) s + 4] & 0xff;
                int shndx = b.getShort((int) s + 6) & 0xffff;
                int bind = info >> 4;
                int type = info & 0xf;
                if (shndx == 0 || bind != 1 && bind != 2 || type != 2 && type != 10 || name < 0 || name >= strSize) {
                    continue;
                }
                int start = (int) (strOff + name);
                int end = start;
                while (end < strOff + strSize && elf[end] != 0 && end - start < 256) {
                    end++;
                }
                out.add(new String(elf, start, end - start, StandardCharsets.ISO_8859_1));
            }
            return out;
        }
        return Set.of();
    }
}
