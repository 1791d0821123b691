package dev.vigil.integrity;

/**
 * The checks, each with what it compares and the event type its findings become. Kernel checks
 * read kernel memory through bpf/integrity.bpf.c; userland checks read /proc and the files it names.
 */
public enum IntegrityCheck {
    SYSCALL_TABLE("syscall_table", Kind.KERNEL, "every sys_call_table slot points at a __x64_sys_* function's first byte"),
    SYSCALL_DISPATCH("syscall_dispatch", Kind.KERNEL,
            "x64_sys_call (the dispatcher since 6.9) still jumps to every syscall the table names, and its code is as at the first pass of this boot"),
    INLINE_HOOKS("inline_hooks", Kind.KERNEL, "the first instruction of the functions rootkits rewrite is no jmp, int3 or call leading out of kernel text"),
    IDT("idt", Kind.KERNEL, "every present interrupt gate's handler is in kernel text"),
    PROC_FILE_OPS("proc_file_ops", Kind.KERNEL, "the file operations of /proc, /proc/PID and / are the kernel's own (readdir in kernel text, the table in .rodata)"),
    HIDDEN_MODULES("hidden_modules", Kind.KERNEL, "every module in /sys/module or kallsyms is in /proc/modules"),
    FTRACE("ftrace", Kind.KERNEL, "no ftrace callback (enabled_functions) lies outside kernel text"),
    HIDDEN_PROCESSES("hidden_processes", Kind.PROCESS, "every process on the kernel's task list is in a readdir of /proc (checked twice)"),
    PRELOAD_HIDERS("preload_hiders", Kind.USERLAND,
            "no library in /etc/ld.so.preload or a process's LD_PRELOAD exports readdir, open, stat or their relatives"),
    FAKE_KERNEL_THREADS("fake_kernel_threads", Kind.USERLAND, "no user process is named like a kernel thread"),
    DELETED_EXECUTABLES("deleted_executables", Kind.USERLAND, "no process runs a program whose file was deleted"),
    PROC_MOUNTS("proc_mounts", Kind.USERLAND, "nothing is mounted over /proc/PID");

    /** Which event type a finding becomes. */
    public enum Kind { KERNEL, PROCESS, USERLAND }

    private final String id;
    private final Kind kind;
    private final String compares;

    IntegrityCheck(String id, Kind kind, String compares) {
        this.id = id;
        this.kind = kind;
        this.compares = compares;
    }

    public String id() {
        return id;
    }

    public Kind kind() {
        return kind;
    }

    public String compares() {
        return compares;
    }
}
