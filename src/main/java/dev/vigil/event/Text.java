package dev.vigil.event;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Kernel bytes to Java strings without losing anything. Valid UTF-8 decodes as usual; every byte
 * that is not part of valid UTF-8 becomes the lone surrogate U+DC80+byte (Python's
 * "surrogateescape"), which JSON output writes as the JSON escape backslash-u-dcXX, so the original bytes can be
 * recovered exactly.
 */
public final class Text {
    private Text() {}

    public static String decode(byte[] b, int off, int len) {
        boolean ascii = true;
        for (int i = off; i < off + len; i++) {
            if (b[i] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(b, off, len, StandardCharsets.ISO_8859_1);
        }
        StringBuilder sb = new StringBuilder(len);
        int i = off, end = off + len;
        while (i < end) {
            int c = b[i] & 0xff;
            int n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
            if (n == 1) {
                sb.append((char) c);
                i++;
                continue;
            }
            int cp = validSequence(b, i, end, n);
            if (cp < 0) {
                sb.append((char) (0xdc00 | c));
                i++;
            } else {
                sb.appendCodePoint(cp);
                i += n;
            }
        }
        return sb.toString();
    }

    private static int validSequence(byte[] b, int i, int end, int n) {
        if (n == 0 || i + n > end) {
            return -1;
        }
        int c = b[i] & 0xff;
        int cp = n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
        for (int k = 1; k < n; k++) {
            int d = b[i + k] & 0xff;
            if ((d & 0xc0) != 0x80) {
                return -1;
            }
            cp = (cp << 6) | (d & 0x3f);
        }
        boolean overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
        boolean surrogate = cp >= 0xd800 && cp <= 0xdfff;
        return overlong || surrogate || cp > 0x10ffff ? -1 : cp;
    }

    /** The original bytes of a string made by {@link #decode}. */
    public static byte[] encode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch >= 0xdc80 && ch <= 0xdcff) {
                out.write(ch & 0xff);
            } else if (Character.isHighSurrogate(ch) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                out.writeBytes(new String(new char[] {ch, s.charAt(++i)}).getBytes(StandardCharsets.UTF_8));
            } else {
                out.writeBytes(String.valueOf(ch).getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }
}
