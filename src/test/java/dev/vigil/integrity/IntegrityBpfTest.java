package dev.vigil.integrity;

import dev.vigil.bpf.BpfObject;
import dev.vigil.sensor.KernelSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** bpf/integrity.bpf.c on this kernel: its layouts, kernel memory read, the task walk, a file's operations. */
class IntegrityBpfTest {
    static void requireRoot() {
        boolean root = KernelSupport.isRoot();
        if (!root && "true".equals(System.getenv("CI"))) {
            fail("privileged tests must run as root under CI=true");
        }
        Assumptions.assumeTrue(root);
    }

    @Test
    void theObjectsLayoutsAreTheReadersOwn() throws Exception {
        byte[] elf;
        try (InputStream in = KernelReader.class.getResourceAsStream("/dev/vigil/bpf/integrity.bpf.o")) {
            elf = in.readAllBytes();
        }
        try (BpfObject o = BpfObject.open("integrity", elf)) {
            assertEquals(List.of(), KernelReader.layoutDifferences(o.btf()));
        }
    }

    @Test
    void readsKernelTextWalksEveryProcessAndSeesProcsReaddir() throws Exception {
        requireRoot();
        KernelSymbols symbols = KernelSymbols.load();
        try (KernelReader k = KernelReader.open()) {
            long vfsRead = symbols.address("vfs_read");
            byte[] head = k.read(vfsRead, 5);
            assertTrue(head[0] == 0x0f || (head[0] & 0xff) == 0xe8 || (head[0] & 0xff) == 0xf3, "ftrace's nop or call at vfs_read: " + java.util.HexFormat.of().formatHex(head));
            byte[] big = k.read(symbols.address("x64_sys_call"), 9000);
            assertEquals(9000, big.length, "a read longer than one chunk");
            assertThrows(KernelReader.Unreadable.class, () -> k.read(0x10, 8), "an unmapped address is an error, not a crash");

            KernelReader.TaskList tasks = k.processes();
            assertTrue(tasks.complete() && !tasks.truncated());
            long self = ProcessHandle.current().pid();
            assertTrue(tasks.tasks().stream().anyMatch(t -> t.tgid() == 1), "pid 1 (the kfunc task iterator skips it here)");
            assertTrue(tasks.tasks().stream().anyMatch(t -> t.tgid() == 2 && t.kernelThread()), "kthreadd, a kernel thread");
            KernelReader.KernelTask me = tasks.tasks().stream().filter(t -> t.tgid() == self).findFirst().orElseThrow();
            String stat = Files.readString(Path.of("/proc/self/stat"));
            long ticks = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]);
            assertEquals(ticks, me.startBoottime() / 10_000_000L, "the start time /proc/self/stat gives, in ticks of 10 ms");
            assertTrue(tasks.tasks().stream().noneMatch(t -> t.tgid() == self + 1_000_000), "only real processes");

            int fd = Descriptors.openDirectory("/proc");
            assertTrue(fd >= 0);
            try {
                KernelReader.FileOps ops = k.fileOps(fd);
                assertEquals("proc_root_readdir", symbols.at(ops.iterateShared()));
                assertEquals(ops.fileOps(), ops.inodeOps());
            } finally {
                Descriptors.close(fd);
            }
            assertThrows(KernelReader.Unreadable.class, () -> k.fileOps(4000), "no file at that descriptor");
        }
    }
}
