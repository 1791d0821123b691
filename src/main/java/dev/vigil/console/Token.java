package dev.vigil.console;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/** An access token (the console's, the audit webhook's): made once (32 random bytes, hex) and kept 0600 in the data directory. */
public final class Token {
    private final String value;

    private Token(String value) {
        this.value = value;
    }

    public static Token load(Path dataDir) throws IOException {
        return load(dataDir, "console.token");
    }

    /** The token kept in `dataDir/name`, made when there is none. */
    public static Token load(Path dataDir, String name) throws IOException {
        Path file = dataDir.resolve(name);
        if (Files.isRegularFile(file)) {
            String t = Files.readString(file, StandardCharsets.US_ASCII).trim();
            if (t.matches("[0-9a-f]{64}")) {
                return new Token(t);
            }
        }
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        String t = HexFormat.of().formatHex(b);
        Path tmp = dataDir.resolve(name + ".new");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, t + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return new Token(t);
    }

    public String value() {
        return value;
    }

    /** Constant-time comparison, so the token cannot be guessed byte by byte from response times. */
    public boolean matches(String offered) {
        return offered != null && MessageDigest.isEqual(offered.getBytes(StandardCharsets.US_ASCII), value.getBytes(StandardCharsets.US_ASCII));
    }
}
