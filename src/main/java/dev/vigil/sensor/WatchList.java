package dev.vigil.sensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The sensitive files whose opens are reported (608/609). A directory watches every entry in it,
 * so files replaced by rename (as passwd and visudo do) stay watched.
 */
public final class WatchList {
    private WatchList() {}

    public static List<Path> defaults() {
        Set<Path> paths = new LinkedHashSet<>();
        for (String p : new String[] {
                "/etc/shadow", "/etc/gshadow", "/etc/passwd", "/etc/sudoers", "/etc/sudoers.d", "/etc/pam.d",
                "/etc/ld.so.preload", "/etc/crontab", "/etc/cron.d", "/etc/cron.hourly", "/etc/cron.daily",
                "/etc/cron.weekly", "/etc/cron.monthly", "/var/spool/cron/crontabs", "/var/spool/cron",
                "/etc/ssh/sshd_config", "/root/.ssh", "/root/.bashrc", "/root/.profile", "/root/.bash_profile",
                "/root/.bash_history", "/root/.zsh_history", "/var/log", "/etc/security/opasswd"}) {
            paths.add(Path.of(p));
        }
        for (Path home : homes()) {
            paths.addAll(forHome(home));
        }
        return new ArrayList<>(paths);
    }

    /** What is watched in one home: its ssh folder, shell start-up files and histories, and the usual credential stores. */
    public static List<Path> forHome(Path home) {
        return List.of(home.resolve(".ssh"), home.resolve(".bashrc"), home.resolve(".profile"), home.resolve(".bash_profile"),
                home.resolve(".bash_history"), home.resolve(".zsh_history"), home.resolve(".aws"), home.resolve(".docker"),
                home.resolve(".kube"), home.resolve(".azure"), home.resolve(".config/gcloud"), home.resolve(".git-credentials"),
                home.resolve(".netrc"), home.resolve(".pgpass"), home.resolve(".my.cnf"));
    }

    /** Home directories from /etc/passwd. */
    public static List<Path> homes() {
        List<Path> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
                String[] f = line.split(":");
                if (f.length >= 6 && f[5].startsWith("/") && !f[5].equals("/") && !f[5].equals("/nonexistent")) {
                    out.add(Path.of(f[5]));
                }
            }
        } catch (IOException unreadable) {
            // no homes beyond the defaults
        }
        return out;
    }
}
