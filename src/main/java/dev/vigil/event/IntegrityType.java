package dev.vigil.event;

/**
 * The event types of Vigil's integrity checks (source {@code integrity}): what a pass of
 * dev.vigil.integrity found. Elkeid's kernel module numbers its four checks 700 to 703, numbers
 * Vigil gave its own kernel events; these take 750 and after. A check's name is
 * {@code integrity.check}, so one rule can read one check or every check of a kind.
 */
public enum IntegrityType implements EventKind {
    KERNEL_INTEGRITY(750, "kernel_integrity", "a kernel object not as the kernel built it: a sys_call_table slot, x64_sys_call, a function's entry,"
            + " an IDT gate, /proc's file operations, a hidden module or an ftrace callback that points outside kernel text",
            "integrity_check", "integrity_subject", "integrity_address", "integrity_owner", "integrity_detail"),
    HIDDEN_PROCESS(751, "hidden_process", "a process the kernel's own task list has and a readdir of /proc does not, seen twice",
            "pid", "comm", "exe", "integrity_check", "integrity_subject", "integrity_detail"),
    USERLAND_ROOTKIT(752, "userland_rootkit", "a userland rootkit's trace: a preloaded library that hides directory entries, a user process named"
            + " like a kernel thread, a program whose file was deleted, a mount over /proc/PID",
            "pid", "comm", "exe", "integrity_check", "integrity_subject", "integrity_detail", "integrity_symbols");

    private final int number;
    private final String name;
    private final EventDef def;

    IntegrityType(int number, String name, String description, String... fields) {
        this.number = number;
        this.name = name;
        this.def = EventDef.source("integrity").is(description).fields(fields).build();
    }

    @Override
    public int number() {
        return number;
    }

    @Override
    public String eventName() {
        return name;
    }

    @Override
    public EventDef def() {
        return def;
    }
}
