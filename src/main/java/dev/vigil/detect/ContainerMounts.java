package dev.vigil.detect;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import com.google.re2j.Pattern;

/**
 * Falco's container.mount[K] and container.mount.PART[K] over the event's container_mounts
 * (source:dest:mode:rw:propagation each). K is a number, the Nth mount, or a glob: on the
 * source, except for .source, whose glob is on the destination. A container with no such mount
 * gives "none" for container.mount and "N/A" for the parts, as Falco does, so that Falco's
 * `not container.mount.dest[/proc*] in ("<NA>","N/A")` means "mounts /proc"; the host gives nothing.
 */
final class ContainerMounts {
    private ContainerMounts() {}

    private static final int SOURCE = 0, DEST = 1, MODE = 2, RDWR = 3, PROPAGATION = 4;

    static Function<Map<String, Object>, Object> field(String part, String key) {
        int out = part == null ? -1 : switch (part) {
            case "source" -> SOURCE;
            case "dest" -> DEST;
            case "mode" -> MODE;
            case "rdwr" -> RDWR;
            default -> PROPAGATION;
        };
        String none = part == null ? "none" : "N/A";
        int index = key.matches("\\d{1,4}") ? Integer.parseInt(key) : -1;
        Pattern glob;
        try {
            glob = index >= 0 ? null : LinearRegex.glob(key);
        } catch (LinearRegex.BadPattern bad) {
            return null;
        }
        int matchOn = out == SOURCE ? DEST : SOURCE;
        return e -> {
            if (!(e.get("container_mounts") instanceof List<?> mounts)) {
                return "".equals(e.get("container_id")) || e.get("container_id") == null ? null : none;
            }
            for (int i = 0; i < mounts.size(); i++) {
                String[] m = split(String.valueOf(mounts.get(i)));
                if (m != null && (index >= 0 ? i == index : glob.matcher(m[matchOn]).matches())) {
                    return out < 0 ? String.valueOf(mounts.get(i)) : m[out];
                }
            }
            return none;
        };
    }

    /**
     * The five parts of source:dest:mode:rw:propagation. Paths may hold colons, the last three parts
     * never do: those are cut from the right, and the destination is the last absolute path before them.
     */
    static String[] split(String mount) {
        String[] tail = new String[3];
        int end = mount.length();
        for (int i = 2; i >= 0; i--) {
            int c = mount.lastIndexOf(':', end - 1);
            if (c < 0) {
                return null;
            }
            tail[i] = mount.substring(c + 1, end);
            end = c;
        }
        String paths = mount.substring(0, end);
        int sep = paths.lastIndexOf(":/");
        if (sep < 0) {
            return null;
        }
        return new String[] {paths.substring(0, sep), paths.substring(sep + 1), tail[0], tail[1], tail[2]};
    }
}
