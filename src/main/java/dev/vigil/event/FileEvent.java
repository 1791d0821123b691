package dev.vigil.event;

/**
 * File hooks. One wire struct serves several types; {@link #fields} names each part as Elkeid
 * does for that type (e.g. {@code old_name}/{@code new_name} for rename, {@code fstype} for mount).
 * A watched file's `hostPath` is where the watch that matched it sits on the host: the same file
 * reached through a container's bind mount has another `path` (the container's) and this one.
 */
public record FileEvent(
        Header header, PidTree pidTree, String path, String path2, String sbId, String extra,
        long flags, long ino, int mode, int fd, long dirIno, long dev, String hostPath) implements Event {

    /** watched_change's actions in `flags`, by number: enum vigil_watched_action's WATCHED_ + the name (WireCheck holds them to it). */
    public static final java.util.List<String> WATCHED_ACTIONS = java.util.List.of("unknown", "unlink", "rmdir", "truncate", "rename", "link");
    public static final int WATCHED_TRUNCATE = WATCHED_ACTIONS.indexOf("truncate"), WATCHED_RENAME = WATCHED_ACTIONS.indexOf("rename"),
            WATCHED_LINK = WATCHED_ACTIONS.indexOf("link");

    public FileEvent withHostPath(String host) {
        return new FileEvent(header, pidTree, path, path2, sbId, extra, flags, ino, mode, fd, dirIno, dev, host);
    }

    @Override
    public void fields(FieldSink out) {
        switch (type()) {
            case WRITE -> {
                out.field("file", path);
                out.field("buf", extra);
                out.field("fd", fd);
            }
            case OPEN -> {
                out.field("filename", path);
                out.field("flags", flags);
                out.field("mode", mode);
            }
            case CHMOD -> {
                out.field("file_path", path);
                out.field("fsid", sbId);
                out.field("mode", mode);
                out.ancestry(pidTree);
            }
            case RENAME, LINK -> {
                out.field("old_name", path);
                out.field("new_name", path2);
                out.field("sb_id", sbId);
                if (type() == EventType.LINK) {
                    out.field("symlink", flags == 1);
                }
                out.field("flags", flags);
            }
            case UNLINK, RMDIR -> out.field("file", path);
            case CREATE_FILE -> {
                out.field("file_path", path);
                out.field("sb_id", sbId);
                out.field("mode", mode);
                out.field("flags", flags);
            }
            case FILE_WRITE, FILE_READ -> {
                out.field("file", path);
                out.field("host_path", hostPath);
                out.field("sb_id", sbId);
                out.field("flags", flags);
            }
            case MOUNT -> {
                out.field("file_path", path);
                out.field("dev", path2);
                out.field("fstype", extra);
                out.field("flags", flags);
                out.ancestry(pidTree);
            }
            case MEMFD_CREATE -> {
                out.field("fdname", path);
                out.field("flags", flags);
            }
            case LOAD_MODULE -> {
                out.field("ko_file", path);
                out.field("run_path", extra);
                out.ancestry(pidTree);
            }
            case WATCHED_CHANGE -> {
                out.field("action", WATCHED_ACTIONS.get(flags > 0 && flags < WATCHED_ACTIONS.size() ? (int) flags : 0));
                out.field("file", path);
                if (flags == WATCHED_RENAME || flags == WATCHED_LINK) {
                    out.field("new_name", path2);
                }
                if (flags == WATCHED_TRUNCATE) {
                    out.field("length", ino);
                }
                out.ancestry(pidTree);
            }
            case MKDIR -> {
                out.field("file", path);
                out.field("mode", mode);
                out.ancestry(pidTree);
            }
            case FILE_CAPS -> {
                out.field("file_path", path);
                out.ancestry(pidTree);
            }
            default -> out.field("file", path);
        }
        out.field("res", header.res());
    }
}
