package dev.vigil.enrich;

import dev.vigil.event.Event;
import dev.vigil.event.FieldSink;

/**
 * An event with what userspace adds: wall-clock time, the executable (from the process cache,
 * except for exec events, which carry their own), user name, container id, host name, and the
 * whether it ran in a container (a container id, or a mount namespace other than the agent's), the
 * process's and its parent's details from the process cache (null when unknown) for rules, and
 * for events aimed at another process (ptrace, process_memory, kill…) that target's details, and
 * the container's runtime, name, image and privileged flag (null on the host), and on a program's
 * start in a container, the container's mounts (where Falco's rules look for a container started
 * with a sensitive mount). {@code pipeRelay} (null when none) is the other party of a shell relayed
 * to the network through a pipe (see PipeRelays); {@code dipName} and {@code sipName} (null when
 * none) the names a DNS reply last gave a connection's addresses (see ResolvedNames).
 * {@code execId} and {@code parentExecId} are the process's and its parent's identities.
 */
public record EnrichedEvent(Event event, long wallTimeNs, String exe, String username, String containerId,
                            String nodename, long rootPns, boolean inContainer, ProcessInfo process, ProcessInfo parent,
                            ProcessInfo target, Containers.Info container, String pipeRelay, String dipName, String sipName,
                            String execId, String parentExecId) {
    private static final java.util.Set<dev.vigil.event.EventType> OPENS = java.util.EnumSet.of(dev.vigil.event.EventType.OPEN,
            dev.vigil.event.EventType.FILE_READ, dev.vigil.event.EventType.FILE_WRITE, dev.vigil.event.EventType.CREATE_FILE);

    /** The version of the event JSON: bumped on a breaking change only, additions keep it. */
    public static final int SCHEMA = 1;

    /**
     * Every field of the event as users see it, in order: schema and times, the kernel's header,
     * what enrichment adds, the hook's own fields, and the target process where there is one.
     * The JSON output and the rules' view both come from here.
     */
    public void fields(FieldSink out) {
        out.field("schema", SCHEMA);
        out.field("ts", wallTimeNs);
        out.rendered("time", () -> dev.vigil.event.WallTime.iso(wallTimeNs));
        event.header().fields(out);
        if (!exe.isEmpty()) {
            out.field("exe", exe);
        }
        out.field("username", username);
        out.field("container_id", containerId);
        if (container != null) {
            out.field("container_runtime", container.runtime());
            out.field("container_name", container.name());
            out.field("container_image", container.image());
            out.field("container_privileged", container.privileged());
            if (event instanceof dev.vigil.event.ExecEvent) {
                out.field("container_mounts", container.mounts());
            }
            if (!container.podName().isEmpty()) {
                out.field("k8s_pod_name", container.podName());
                out.field("k8s_ns_name", container.podNamespace());
                out.field("k8s_pod_labels", container.podLabels());
            }
        }
        out.field("nodename", nodename);
        out.field("exec_id", execId());
        out.field("parent_exec_id", parentExecId());
        out.field("root_pns", rootPns);
        out.field("in_container", inContainer);
        event.fields(out);
        if (event.type() == dev.vigil.event.EventType.NAMESPACE && process != null && process.capPermitted() != -1) {
            // what the caller could do as it made or joined a namespace: a runtime setting up a container can do anything
            out.field("cap_permitted", dev.vigil.event.Capabilities.names(process.capPermitted()));
        }
        if (OPENS.contains(event.type()) && process != null && process.capEffective() != -1) {
            // what the opener could override: Falco's release_agent rule reads it on the open
            out.field("cap_effective", dev.vigil.event.Capabilities.names(process.capEffective()));
        }
        if (target != null) {
            out.field("target_exe", target.exe());
            out.field("target_comm", target.comm());
        }
        if (pipeRelay != null) {
            out.field("pipe_relay", pipeRelay);
        }
        if (dipName != null) {
            out.field("dip_name", dipName);
        }
        if (sipName != null) {
            out.field("sip_name", sipName);
        }
    }

    /**
     * With {@code execId} and {@code parentExecId} made here, once: the rules' form and the store's
     * row both name them, on two threads.
     */
    public EnrichedEvent(Event event, long wallTimeNs, String exe, String username, String containerId,
                         String nodename, long rootPns, boolean inContainer, ProcessInfo process, ProcessInfo parent,
                         ProcessInfo target, Containers.Info container, String pipeRelay, String dipName, String sipName) {
        this(event, wallTimeNs, exe, username, containerId, nodename, rootPns, inContainer, process, parent, target, container,
                pipeRelay, dipName, sipName, execIdOf(event, nodename), parentExecIdOf(event, nodename, parent));
    }

    /** The process's identity as one string, like Tetragon's exec_id: host, start time (boottime ns) and pid. */
    private static String execIdOf(Event event, String nodename) {
        return nodename + ":" + event.header().startTime() + ":" + event.header().pid();
    }

    /** The parent's identity: from the kernel's ancestry where the event has one, else from the process cache. */
    private static String parentExecIdOf(Event event, String nodename, ProcessInfo parent) {
        var nodes = event.pidTree().nodes();
        if (nodes.size() > 1) {
            return nodename + ":" + nodes.get(1).start() + ":" + nodes.get(1).pid();
        }
        return parent == null ? "" : nodename + ":" + parent.startTime() + ":" + parent.pid();
    }
}
