package dev.vigil.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line's contract: help everywhere, exit 2 with one line for a mistake, no root where no BPF is loaded. */
class CommandLineTest {
    record Result(int status, String out, String err) {}

    static Result vigil(List<String> prefix, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(AgentProcess.javaCommand());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out, err);
    }

    static Result vigil(String... args) throws Exception {
        return vigil(List.of(), args);
    }

    /** Every command and subcommand, as the words a user types ("rules check"). */
    private static List<String> allCommands() {
        List<String> out = new ArrayList<>();
        walk(Main.full(), "", out);
        return out;
    }

    private static void walk(CommandLine c, String prefix, List<String> out) {
        c.getSubcommands().forEach((name, sub) -> {
            if (!name.equals("help")) {
                out.add((prefix + " " + name).trim());
                walk(sub, prefix + " " + name, out);
            }
        });
    }

    @Test
    void helpWorksOnEveryCommand() throws Exception {
        List<String> commands = allCommands();
        assertTrue(commands.containsAll(List.of("run", "events", "hooks", "fields", "rules", "rules check", "replay")), commands.toString());
        for (String c : commands) {
            List<String> words = new ArrayList<>(List.of(c.split(" ")));
            words.add("--help");
            Result r = vigil(words.toArray(String[]::new));
            assertEquals(0, r.status(), c + " --help: " + r.err());
            assertTrue(r.out().startsWith("Usage: vigil " + c), c + " --help printed: " + r.out());
        }
        Result help = vigil("help", "replay");
        assertEquals(0, help.status(), help.err());
        assertTrue(help.out().startsWith("Usage: vigil replay"), help.out());
        assertTrue(vigil("help").out().contains("Commands:"));
    }

    @Test
    void mistakesEndInOneLineAndStatusTwo() throws Exception {
        Result bare = vigil("rules");
        assertEquals(2, bare.status());
        assertEquals(1, bare.err().lines().count(), bare.err());
        Result missing = vigil("rules", "check");
        assertEquals(2, missing.status());
        assertTrue(missing.err().contains("(see vigil rules check --help)"), missing.err());
        Result unknown = vigil("replay", "--no-such-flag", "x");
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().contains("see vigil replay --help"), unknown.err());
        assertEquals(1, unknown.err().lines().count(), unknown.err());
    }

    /**
     * As an unprivileged user (nobody), from a copy of the classpath anyone may read: checking
     * rules, replaying and listing hooks work, and an unreadable rule file says "permission denied".
     */
    @Test
    void noRootNeededToCheckRulesReplayOrListHooks() throws Exception {
        AgentProcess.requireRoot();
        Path shared = Files.createTempDirectory("vigil-nobody");
        List<String> cp = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(":")) {
            Path src = Path.of(entry);
            Path dst = shared.resolve("cp" + i++ + (Files.isDirectory(src) ? "" : ".jar"));
            copy(src, dst);
            cp.add(dst.toString());
        }
        Path rules = shared.resolve("rules.yaml");
        Files.writeString(rules, "- rule: r\n  condition: proc.name = sh\n  output: x\n");
        Path secret = shared.resolve("secret.yaml");
        Files.writeString(secret, "- rule: s\n  condition: proc.name = sh\n  output: x\n");
        Path closed = shared.resolve("closed");
        Files.createDirectories(closed);
        Files.writeString(closed.resolve("a.yaml"), "- rule: c\n  condition: proc.name = sh\n  output: x\n");
        Path events = shared.resolve("events.jsonl");
        Files.writeString(events, "{\"event\":\"execve\",\"comm\":\"sh\",\"pid\":1,\"ts\":1}\n");
        openToAll(shared);
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));

        List<String> asNobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> base = new ArrayList<>(asNobody);
        // -XX:-UsePerfData: a JVM of nobody's would leave /tmp/hsperfdata_nobody behind
        base.addAll(List.of(java, "-XX:-UsePerfData", "-cp", String.join(":", cp), "dev.vigil.cli.Main"));

        Result check = run(base, "rules", "check", rules.toString());
        assertEquals(0, check.status(), check.out() + check.err());
        Result denied = run(base, "rules", "check", secret.toString());
        assertEquals(1, denied.status());
        assertTrue(denied.out().contains(secret + ": cannot read: permission denied"), denied.out());
        Result folder = run(base, "rules", "check", closed.toString());
        assertEquals(1, folder.status());
        assertTrue(folder.out().contains(closed + ": cannot list the folder: permission denied"), folder.out());
        Result inside = run(base, "rules", "check", closed.resolve("a.yaml").toString());
        assertTrue(inside.out().contains(closed.resolve("a.yaml") + ": cannot read: permission denied"), "not 'no such file': " + inside.out());
        Result replay = run(base, "replay", "--rules", rules.toString(), events.toString());
        assertEquals(0, replay.status(), replay.err());
        assertTrue(replay.out().contains("\"rule\":\"r\""), replay.out());
        Result hooks = run(base, "hooks");
        assertEquals(0, hooks.status(), hooks.err());
        assertTrue(hooks.out().contains("agent_tamper"), hooks.out());
    }

    private static Result run(List<String> base, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(base);
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(Path.of("/").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out, err);
    }

    private static void copy(Path src, Path dst) throws IOException {
        if (!Files.isDirectory(src)) {
            Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING);
            return;
        }
        try (Stream<Path> all = Files.walk(src)) {
            for (Path p : all.toList()) {
                Path to = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void openToAll(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }
}
