package dev.vigil.enrich;

import dev.vigil.event.Event;

/**
 * An event with what userspace adds: wall-clock time, the executable (from the process cache,
 * except for exec events, which carry their own), user name, container id, host name, and the
 * whether it ran in a container (a container id, or a mount namespace other than the agent's), the
 * process's and its parent's details from the process cache (null when unknown) for rules, and
 * for events aimed at another process (ptrace, process_memory, kill…) that target's details, and
 * the container's runtime, image and privileged flag (null on the host).
 */
public record EnrichedEvent(Event event, long wallTimeNs, String exe, String username, String containerId,
                            String nodename, long rootPns, boolean inContainer, ProcessInfo process, ProcessInfo parent,
                            ProcessInfo target, Containers.Info container) {
    /** The process's identity as one string, like Tetragon's exec_id: host, start time (boottime ns) and pid. */
    public String execId() {
        return nodename + ":" + event.header().startTime() + ":" + event.header().pid();
    }

    /** The parent's identity: from the kernel's ancestry where the event has one, else from the process cache. */
    public String parentExecId() {
        var nodes = event.pidTree().nodes();
        if (nodes.size() > 1) {
            return nodename + ":" + nodes.get(1).start() + ":" + nodes.get(1).pid();
        }
        return parent == null ? "" : nodename + ":" + parent.startTime() + ":" + parent.pid();
    }
}
