package dev.vigil.inject.core;

/**
 * Which file operations are worth an event, decided in the JVM: a JVM opens files by the thousand
 * (its own jars, its logs), and an event for each would cost the application more than the rest of
 * the RASP together. Reported: a path that climbs out with "..", a read of a secret (credentials,
 * keys, the shadow password file, a process's environment), and a write, delete or rename of a
 * script, page or library a server or loader would run.
 */
final class FileFilter {
    private static final String[] SECRETS = {"/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/master.passwd", "/root/",
            "/.ssh/", "/.aws/", "/.kube/", "/.docker/config.json", "/.gnupg/", "/.git-credentials", "/.netrc", "/.pgpass",
            "/var/run/secrets/", "/run/secrets/", "/environ", "id_rsa", "id_ecdsa", "id_ed25519", "/etc/ssl/private/"};
    private static final String[] RUNNABLE = {".jsp", ".jspx", ".jspf", ".php", ".phtml", ".asp", ".aspx", ".ashx", ".cgi",
            ".sh", ".py", ".pl", ".war", ".so"};

    boolean reports(String op, String path) {
        if (path.contains("../") || path.endsWith("/..")) {
            return true;
        }
        if (op.equals("read")) {
            for (String s : SECRETS) {
                if (path.contains(s)) {
                    return true;
                }
            }
            return false;
        }
        String lower = path.toLowerCase(java.util.Locale.ROOT);
        for (String r : RUNNABLE) {
            if (lower.endsWith(r)) {
                return true;
            }
        }
        return false;
    }
}
