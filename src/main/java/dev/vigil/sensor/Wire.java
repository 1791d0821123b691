package dev.vigil.sensor;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Java's view of bpf/include/vigil.h. The C header is the source of truth: {@link WireCheck}
 * compares every layout here with the BTF clang wrote for the same struct, member by member.
 */
final class Wire {
    private Wire() {}

    static final int COMM_LEN = 16;
    static final int TREE_DEPTH = 12;

    static final StructLayout STR_REF = CStruct.of("str_ref", JAVA_SHORT.withName("off"), JAVA_SHORT.withName("len"));

    static final StructLayout HEADER = CStruct.of("event_header",
            JAVA_INT.withName("type"), JAVA_INT.withName("size"), JAVA_LONG.withName("ts"),
            JAVA_LONG.withName("start_time"), JAVA_LONG.withName("cgroup_id"),
            JAVA_INT.withName("pid"), JAVA_INT.withName("tid"), JAVA_INT.withName("ppid"), JAVA_INT.withName("pgid"),
            JAVA_INT.withName("sid"), JAVA_INT.withName("uid"), JAVA_INT.withName("gid"), JAVA_INT.withName("euid"),
            JAVA_INT.withName("egid"), JAVA_INT.withName("loginuid"), JAVA_INT.withName("sessionid"),
            JAVA_INT.withName("pns"), JAVA_INT.withName("mntns"), JAVA_INT.withName("netns"),
            JAVA_INT.withName("res"), JAVA_INT.withName("flags"),
            MemoryLayout.sequenceLayout(COMM_LEN, JAVA_BYTE).withName("comm"));

    static final StructLayout ANCESTOR = CStruct.of("ancestor",
            JAVA_INT.withName("pid"), MemoryLayout.sequenceLayout(COMM_LEN, JAVA_BYTE).withName("comm"), JAVA_LONG.withName("start"));

    static final StructLayout PID_TREE = CStruct.of("pid_tree",
            JAVA_INT.withName("depth"), MemoryLayout.sequenceLayout(TREE_DEPTH, ANCESTOR).withName("node"));

    static final StructLayout INET_PAIR = CStruct.of("inet_pair",
            JAVA_SHORT.withName("family"), JAVA_SHORT.withName("sport"), JAVA_SHORT.withName("dport"),
            JAVA_SHORT.withName("protocol"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("sip"), MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("dip"));

    static final StructLayout FD_INFO = CStruct.of("fd_info",
            JAVA_INT.withName("kind"), JAVA_INT.withName("_pad"), JAVA_LONG.withName("ino"));

    static final StructLayout CRED_IDS = CStruct.of("cred_ids",
            JAVA_INT.withName("uid"), JAVA_INT.withName("gid"), JAVA_INT.withName("suid"), JAVA_INT.withName("sgid"),
            JAVA_INT.withName("euid"), JAVA_INT.withName("egid"), JAVA_INT.withName("fsuid"), JAVA_INT.withName("fsgid"));

    static final StructLayout EXEC = CStruct.of("exec_event",
            HEADER.withName("hdr"), PID_TREE.withName("tree"), INET_PAIR.withName("peer"),
            FD_INFO.withName("stdin_info"), FD_INFO.withName("stdout_info"),
            JAVA_INT.withName("socket_pid"), JAVA_INT.withName("argc"),
            JAVA_BYTE.withName("argv_truncated"), JAVA_BYTE.withName("parent_kthread"),
            JAVA_BYTE.withName("cred_unexplained"), JAVA_BYTE.withName("env_truncated"), JAVA_INT.withName("exec_flags"),
            CRED_IDS.withName("cred"), CRED_IDS.withName("parent_cred"),
            JAVA_LONG.withName("cap_effective"), JAVA_LONG.withName("cap_permitted"),
            STR_REF.withName("exe"), STR_REF.withName("argv"), STR_REF.withName("run_path"),
            STR_REF.withName("stdin_path"), STR_REF.withName("stdout_path"), STR_REF.withName("tty"),
            STR_REF.withName("ld_preload"), STR_REF.withName("ssh"), STR_REF.withName("filename"), STR_REF.withName("env"),
            JAVA_INT.withName("vpid"), JAVA_INT.withName("pvpid"));

    static final StructLayout NET = CStruct.of("net_event",
            HEADER.withName("hdr"), INET_PAIR.withName("addr"), JAVA_INT.withName("fd"), JAVA_INT.withName("_pad"));

    static final StructLayout DNS = CStruct.of("dns_event",
            HEADER.withName("hdr"), INET_PAIR.withName("addr"), STR_REF.withName("payload"), JAVA_INT.withName("_pad"));

    static final StructLayout FILE = CStruct.of("file_event",
            HEADER.withName("hdr"), PID_TREE.withName("tree"), JAVA_LONG.withName("flags"), JAVA_LONG.withName("ino"),
            JAVA_INT.withName("mode"), JAVA_INT.withName("fd"),
            STR_REF.withName("path"), STR_REF.withName("path2"), STR_REF.withName("sb_id"), STR_REF.withName("extra"),
            JAVA_LONG.withName("dir_ino"), JAVA_LONG.withName("dev"));

    static final StructLayout TASK = CStruct.of("task_event",
            HEADER.withName("hdr"), PID_TREE.withName("tree"),
            JAVA_LONG.withName("arg0"), JAVA_LONG.withName("arg1"), JAVA_LONG.withName("arg2"), JAVA_LONG.withName("arg3"),
            STR_REF.withName("text"), JAVA_INT.withName("_pad"));

    static final StructLayout CRED = CStruct.of("cred_event",
            HEADER.withName("hdr"), PID_TREE.withName("tree"), JAVA_INT.withName("p_pid"), JAVA_INT.withName("_pad"),
            CRED_IDS.withName("p_cred"), CRED_IDS.withName("c_cred"));

    static final StructLayout SCAN = CStruct.of("scan_event",
            HEADER.withName("hdr"), INET_PAIR.withName("addr"), JAVA_INT.withName("ports"), JAVA_INT.withName("window_ms"));

    static final StructLayout CONFIG = CStruct.of("vigil_config",
            JAVA_INT.withName("agent_tgid"), JAVA_INT.withName("argv_max"),
            JAVA_INT.withName("scan_threshold"), JAVA_INT.withName("scan_window_ms"), JAVA_INT.withName("env_max"),
            JAVA_INT.withName("watch_trees"), JAVA_INT.withName("connect_repeats"),
            JAVA_INT.withName("memory_repeats"), JAVA_LONG.withName("rate_interval_ns"), JAVA_LONG.withName("rate_burst_ns"),
            JAVA_LONG.withName("connect_window_ns"));

    static final StructLayout WATCH_KEY = CStruct.of("watch_key",
            JAVA_LONG.withName("dir_ino"), JAVA_INT.withName("dev"), MemoryLayout.sequenceLayout(28, JAVA_BYTE).withName("name"));

    static final StructLayout INODE_KEY = CStruct.of("inode_key",
            JAVA_LONG.withName("ino"), JAVA_INT.withName("dev"), JAVA_INT.withName("_pad"));

    static final int WATCH_PREFIX_MAX = 128;

    static final StructLayout WATCH_PREFIX = CStruct.of("watch_prefix",
            JAVA_INT.withName("prefixlen"), MemoryLayout.sequenceLayout(WATCH_PREFIX_MAX, JAVA_BYTE).withName("path"));

    /** Every struct that crosses the boundary, for {@link WireCheck}. */
    static final List<StructLayout> ALL = List.of(STR_REF, HEADER, ANCESTOR, PID_TREE, INET_PAIR, FD_INFO, CRED_IDS,
            EXEC, NET, DNS, FILE, TASK, CRED, SCAN, CONFIG, WATCH_KEY, INODE_KEY, WATCH_PREFIX);
}
