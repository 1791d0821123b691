package dev.vigil.event;

/** 611: root credentials with no set-uid exec or set*uid call to explain them; creds as "uid|euid|suid|fsuid|gid|egid|sgid|fsgid". */
public record CredEvent(Header header, PidTree pidTree, int parentPid, String parentCred, String cred) implements Event {
    @Override
    public void fields(FieldSink out) {
        out.field("p_pid", parentPid);
        out.ancestry(pidTree);
        out.field("p_cred", parentCred);
        out.field("c_cred", cred);
    }
}
