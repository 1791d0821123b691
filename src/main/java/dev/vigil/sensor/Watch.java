package dev.vigil.sensor;

import java.nio.file.Path;

/**
 * One entry of the kernel's watch list: which opens of a path are reported. A file is watched by
 * its directory and name and by its inode; a directory for its entries, or with {@link #TREE}
 * for everything below it.
 */
public record Watch(Path path, int bits) {
    public static final int READ = 1, WRITE = 2, TREE = 4;
}
