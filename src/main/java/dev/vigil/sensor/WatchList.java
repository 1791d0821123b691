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
            paths.add(home.resolve(".ssh"));
            paths.add(home.resolve(".bashrc"));
            paths.add(home.resolve(".profile"));
            paths.add(home.resolve(".bash_profile"));
            paths.add(home.resolve(".bash_history"));
            paths.add(home.resolve(".zsh_history"));
        }
        return new ArrayList<>(paths);
    }

    /** Home directories from /etc/passwd. */
    static List<Path> homes() {
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
