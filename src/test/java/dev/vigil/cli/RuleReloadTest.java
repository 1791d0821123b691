package dev.vigil.cli;

import dev.vigil.sensor.KernelSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** 'vigil run --rules FILE' reloads a changed file, and keeps the previous rules when the new file is broken. */
class RuleReloadTest {
    @Test
    void reloadOnChangeAndKeepPreviousRulesOnError() throws Exception {
        boolean root = KernelSupport.isRoot();
        if (!root && "true".equals(System.getenv("CI"))) {
            fail("privileged tests must run as root under CI=true");
        }
        Assumptions.assumeTrue(root);
        Path rules = Files.createTempFile("vigil-reload", ".yaml");
        Files.writeString(rules, "- rule: first\n  condition: evt.type = execve and proc.name = vigil-none\n  output: x\n");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.vigil.cli.Main",
                "run", "--hooks", "execve", "--no-console", "--rules", rules.toString()));
        Process p = new ProcessBuilder(cmd).start();
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        try {
            assertEquals("ready", err.readLine());
            Files.writeString(rules, "- rule: second\n  condition: evt.type = execve and proc.cmdline contains vigil-reload-marker\n  output: reloaded %proc.cmdline\n");
            Files.setLastModifiedTime(rules, FileTime.from(Instant.now().plusSeconds(5)));
            assertTrue(err.readLine().startsWith("vigil: rules reloaded: 1 detections"));
            new ProcessBuilder("/bin/echo", "vigil-reload-marker").start().waitFor();
            String alert = out.readLine();
            assertTrue(alert.contains("\"rule\":\"second\""), alert);

            Files.writeString(rules, "- rule: broken\n  condition: (evt.type = execve\n  output: x\n");
            Files.setLastModifiedTime(rules, FileTime.from(Instant.now().plusSeconds(10)));
            assertTrue(err.readLine().contains("rule 'broken' skipped"));
            assertTrue(err.readLine().contains("rules not reloaded (1 errors): the previous rules keep running"));
            new ProcessBuilder("/bin/echo", "vigil-reload-marker").start().waitFor();
            assertTrue(out.readLine().contains("\"rule\":\"second\""), "the previous rules still run");
        } finally {
            new ProcessBuilder("kill", "-TERM", String.valueOf(p.pid())).start().waitFor();
            p.waitFor(20, TimeUnit.SECONDS);
        }
        assertEquals(0, p.exitValue());
    }
}
