package dev.vigil.integrity;

import java.util.ArrayList;
import java.util.List;

/**
 * The file operations the kernel dispatches through for a directory the agent opened: /proc (a
 * rootkit swaps its iterate_shared to drop pids from every listing), /proc/self (a process's own
 * directory) and / (hiding files). The table must lie in the kernel's read-only data, its readdir in
 * kernel text, and for /proc and /proc/PID be the functions the kernel names for them.
 */
final class ProcFileOps {
    private ProcFileOps() {}

    /** A directory to check and the readdir its table must hold (null: any function in kernel text). */
    record Directory(String path, String readdir) {}

    static final List<Directory> DIRECTORIES = List.of(new Directory("/proc", "proc_root_readdir"),
            new Directory("/proc/self/", "proc_tgid_base_readdir"), new Directory("/", null));

    static List<Finding> check(Directory d, KernelReader.FileOps ops, KernelSymbols symbols, long rodataStart, long rodataEnd) {
        List<Finding> out = new ArrayList<>();
        boolean inRodata = Long.compareUnsigned(ops.fileOps(), rodataStart) >= 0 && Long.compareUnsigned(ops.fileOps(), rodataEnd) < 0;
        if (!inRodata) {
            out.add(Finding.kernel(IntegrityCheck.PROC_FILE_OPS, d.path() + " f_op", ops.fileOps(), symbols.owner(ops.fileOps()),
                    d.path() + ": its file_operations table is outside the kernel's read-only data"));
        }
        if (ops.inodeOps() != ops.fileOps() && ops.inodeOps() != 0) {
            out.add(Finding.kernel(IntegrityCheck.PROC_FILE_OPS, d.path() + " f_op", ops.fileOps(), symbols.owner(ops.fileOps()),
                    d.path() + ": the open file's operations differ from its inode's (0x" + Long.toHexString(ops.inodeOps()) + ")"));
        }
        long readdir = ops.iterateShared();
        String name = symbols.at(readdir);
        if (!symbols.inKernelText(readdir) || d.readdir() != null && symbols.address(d.readdir()) != 0 && !d.readdir().equals(name)
                && !symbols.allAt(readdir).contains(d.readdir())) {
            out.add(Finding.kernel(IntegrityCheck.PROC_FILE_OPS, d.path() + " iterate_shared", readdir, symbols.owner(readdir),
                    d.path() + ": readdir is " + symbols.owner(readdir) + (d.readdir() == null ? "" : ", not " + d.readdir())));
        }
        return out;
    }
}
