package dev.vigil.event;

import java.util.List;

/**
 * How the kernel sensor makes an event: on in the default set or only in the sandbox set, the
 * route it takes (one line for {@code vigil hooks}), and the BPF programs it needs by name prefix
 * (the programs' names in bpf/*.bpf.c start with them). A prefix may serve several event types; it
 * is attached when any of them is on. No prefix: the event is made in userspace.
 */
public record KernelHook(boolean onByDefault, String mechanism, List<String> programPrefixes) {
    public KernelHook {
        programPrefixes = List.copyOf(programPrefixes);
    }
}
