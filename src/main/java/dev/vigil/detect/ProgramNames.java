package dev.vigil.detect;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Whether a name a process goes by (the one prctl(PR_SET_NAME) gave it, or its argv[0]) belongs to
 * what it runs: its executable, the path it was started by, or its script. Daemons that retitle
 * themselves keep a word of their program ("gunicorn: master", "runc:[1:CHILD]", "queue-runner:
 * idle"); a disguise takes another program's name ("sshd", "dbus-daemon", "nginx: worker").
 */
final class ProgramNames {
    private ProgramNames() {}

    private static final java.util.regex.Pattern NOT_A_WORD = java.util.regex.Pattern.compile("[^\\p{Alnum}]+");

    /** Flags after which an interpreter's next argument is code, not a script. */
    private static final Set<String> INLINE_CODE = Set.of("-c", "-e", "-E", "-r", "--eval", "-x", "-p");

    /** The script an interpreter runs, from its argv: the first operand, unless the options gave code inline. */
    static String script(List<String> argv) {
        for (int i = 1; i < argv.size() && i < 8; i++) {
            String a = argv.get(i);
            if (INLINE_CODE.contains(a)) {
                return null;
            }
            if (a.equals("-m") && i + 1 < argv.size()) { // python -m module
                return argv.get(i + 1);
            }
            if (!a.startsWith("-")) {
                return a.chars().anyMatch(Character::isWhitespace) || a.length() > 256 ? null : a;
            }
        }
        return null;
    }

    /** Whether `name` shares a word (3+ letters, one a prefix of the other) or a prefix with any of `programs` (paths or names). */
    static boolean related(String name, List<String> programs) {
        String n = bare(name);
        if (n.isEmpty()) {
            return true; // nothing to judge
        }
        List<String> words = words(n);
        for (String p : programs) {
            if (p == null || p.isEmpty()) {
                continue;
            }
            String b = bare(base(p));
            if (b.isEmpty()) {
                continue;
            }
            if (b.startsWith(n) || n.startsWith(b)) {
                return true;
            }
            for (String w : words(b)) {
                for (String v : words) {
                    if (w.startsWith(v) || v.startsWith(w)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** The directories alternatives and links to programs live in: the only places argv[0] is looked up (a path elsewhere, a slow mount's, is never touched). */
    private static final List<String> PROGRAM_DIRS = List.of("/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/local/bin/", "/usr/local/sbin/",
            "/usr/libexec/", "/usr/lib/");

    /** For an argv[0] that is a path in a program directory: whether it names the executable itself (/bin/sh for /usr/bin/dash). */
    static boolean sameFile(String argv0, String exe) {
        if (exe == null || exe.isEmpty() || argv0.length() > 4096 || argv0.contains("/../") || PROGRAM_DIRS.stream().noneMatch(argv0::startsWith)) {
            return false;
        }
        try {
            return Files.isSameFile(Path.of(argv0), Path.of(exe));
        } catch (Exception goneOrNotAPath) {
            return false;
        }
    }

    static String base(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }

    /** Lower case, without a login shell's leading '-' and the brackets and parentheses around a title. */
    private static String bare(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        while (!t.isEmpty() && "-([".indexOf(t.charAt(0)) >= 0) {
            t = t.substring(1);
        }
        return t;
    }

    private static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        for (String w : NOT_A_WORD.split(s, 64)) {
            if (w.length() >= 3 && out.size() < 16) {
                out.add(w);
            }
        }
        return out;
    }
}
