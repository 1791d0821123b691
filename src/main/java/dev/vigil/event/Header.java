package dev.vigil.event;

/** The common header every kernel record carries. {@code ts} and {@code startTime} are CLOCK_BOOTTIME ns. */
public record Header(
        EventType type, long ts, long startTime, long cgroupId,
        int pid, int tid, int ppid, int pgid, int sid,
        int uid, int gid, int euid, int egid, int loginuid, int sessionid,
        int pns, int mntns, int netns, int res, String comm) {

    /** Fields in JSON order; {@code ts} is written by the sink, which knows the wall clock. */
    public void fields(FieldSink out) {
        out.field("data_type", type.number());
        out.field("event", type.eventName());
        out.field("pid", Integer.toUnsignedLong(pid));
        out.field("tid", Integer.toUnsignedLong(tid));
        out.field("ppid", Integer.toUnsignedLong(ppid));
        out.field("pgid", Integer.toUnsignedLong(pgid));
        out.field("tgid", Integer.toUnsignedLong(pid));
        out.field("sid", Integer.toUnsignedLong(sid));
        out.field("uid", Integer.toUnsignedLong(uid));
        out.field("gid", Integer.toUnsignedLong(gid));
        out.field("euid", Integer.toUnsignedLong(euid));
        out.field("egid", Integer.toUnsignedLong(egid));
        out.field("loginuid", Integer.toUnsignedLong(loginuid));
        out.field("sessionid", Integer.toUnsignedLong(sessionid));
        out.field("comm", comm);
        out.field("pns", Integer.toUnsignedLong(pns));
        out.field("mntns", Integer.toUnsignedLong(mntns));
        out.field("netns", Integer.toUnsignedLong(netns));
        out.field("start_time", startTime);
    }
}
