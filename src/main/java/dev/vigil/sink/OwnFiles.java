package dev.vigil.sink;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * The files the agent writes as root, made so that a local user cannot steer them: created
 * owner-only (0600, folders 0700), opened without following a symlink, and refused when the path
 * is someone else's file, a hard link, or not a regular file. Never a fixed name in a folder that
 * others can write to: diagnostics go to {@link #privateDir()}.
 */
public final class OwnFiles {
    private static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_RWX = PosixFilePermissions.fromString("rwx------");

    private OwnFiles() {}

    /** Opens `file` to append to, creating it 0600; refuses a symlink, a hard link or another user's file. */
    public static Writer appendPrivate(Path file) throws IOException {
        Set<OpenOption> opts = Set.of(StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS);
        OutputStream out;
        try {
            out = Channels.newOutputStream(Files.newByteChannel(file, opts, PosixFilePermissions.asFileAttribute(OWNER_RW)));
        } catch (IOException e) {
            if (Files.isSymbolicLink(file)) {
                throw new IOException(file + " is a symbolic link: give the real path (Vigil does not write through links)");
            }
            throw e;
        }
        try {
            checkOurs(file);
        } catch (IOException e) {
            out.close();
            throw e;
        }
        return new OutputStreamWriter(out, StandardCharsets.UTF_8);
    }

    /** A regular file with one link, owned by this process's user, that nobody else may read or write. */
    private static void checkOurs(Path file) throws IOException {
        Map<String, Object> a = Files.readAttributes(file, "unix:uid,nlink,mode", LinkOption.NOFOLLOW_LINKS);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(file + " is not a regular file");
        }
        if (((Number) a.get("uid")).intValue() != myUid()) {
            throw new IOException(file + " belongs to another user (uid " + a.get("uid") + "): remove it or choose another path");
        }
        if (((Number) a.get("nlink")).intValue() != 1) {
            throw new IOException(file + " has " + a.get("nlink") + " hard links: Vigil only writes to a file with one");
        }
        if ((((Number) a.get("mode")).intValue() & 0077) != 0) {
            Files.setPosixFilePermissions(file, OWNER_RW);
        }
    }

    /**
     * A folder only this user can enter: {@code /run/vigil} for root, else a new temporary folder
     * (0700). An existing {@code /run/vigil} that is a link, someone else's, or open to others is
     * not used.
     */
    public static Path privateDir() throws IOException {
        return privateDir(Path.of("/run/vigil"));
    }

    static Path privateDir(Path run) throws IOException {
        if (myUid() == 0 && Files.isDirectory(run.getParent(), LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createDirectory(run, PosixFilePermissions.asFileAttribute(OWNER_RWX));
            } catch (FileAlreadyExistsException exists) {
                // checked below
            }
            Map<String, Object> a = Files.readAttributes(run, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
            if (Files.isDirectory(run, LinkOption.NOFOLLOW_LINKS) && ((Number) a.get("uid")).intValue() == 0) {
                if ((((Number) a.get("mode")).intValue() & 0077) != 0) {
                    Files.setPosixFilePermissions(run, OWNER_RWX);
                }
                return run;
            }
        }
        return Files.createTempDirectory("vigil-");
    }

    /** Writes `text` to a new file (never an existing one, never through a link) in the private folder. */
    public static Path writeNew(String prefix, String suffix, String text) throws IOException {
        return writeNew(privateDir(), prefix, suffix, text);
    }

    static Path writeNew(Path dir, String prefix, String suffix, String text) throws IOException {
        Path f = Files.createTempFile(dir, prefix, suffix, PosixFilePermissions.asFileAttribute(OWNER_RW));
        Files.writeString(f, text, StandardCharsets.UTF_8, LinkOption.NOFOLLOW_LINKS, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        return f;
    }

    private static int myUid() throws IOException {
        return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue();
    }
}
