package dev.vigil.event;

/**
 * One security event as the kernel reported it. Records, immutable; strings may hold any bytes an
 * attacker chose (see {@link Text}).
 */
public sealed interface Event permits ExecEvent, NetEvent, DnsEvent, FileEvent, TaskEvent, CredEvent, ScanEvent, UsbEvent {
    Header header();

    default EventType type() {
        return header().type();
    }

    /** The process's ancestry as the kernel walked it, where the event carries one. */
    default PidTree pidTree() {
        return PidTree.EMPTY;
    }

    /** The fields beyond the common header, under Elkeid's names. */
    void fields(FieldSink out);
}
