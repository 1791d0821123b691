package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.detect.RuleLoader;
import dev.vigil.detect.RuleSet;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rule's `block: true` on JVM events: the matching call throws what its API declares (a JNDI
 * lookup a NamingException, a process start an IOException) instead of running, the alert says it
 * was blocked, and the calls no blocking rule matches run as before.
 */
class JvmRaspBlockTest {
    private static final String RULES = """
            - rule: Block the test's JNDI lookups
              desc: test
              source: jvm
              condition: evt.type = jvm_jndi and jvm.target contains vigil-block
              output: "blocked %jvm.target"
              priority: CRITICAL
              block: true
            - rule: Block the test's commands
              desc: test
              source: jvm
              condition: evt.type = jvm_process and jvm.args contains vigil-block
              output: "blocked %jvm.args"
              priority: CRITICAL
              block: true
            """;

    @Test
    void blockingRulesRefuseTheCallAndSaySo() throws Exception {
        AgentProcess.requireRoot();
        try (TempDir work = TempDir.create("vigil-rasp-block"); VulnerableJvm app = VulnerableJvm.start(VulnerableJvm.JAVA_17, null)) {
            Path rules = Files.writeString(work.path().resolve("block.yaml"), RULES);
            List<String> args = new ArrayList<>(List.of(JvmRaspLiveTest.args("--rules", rules.toString())));
            try (AgentProcess agent = AgentProcess.start(args.toArray(String[]::new))) {
                app.awaitState(j -> j.path("status").asText().equals("attached") && j.path("connected").asBoolean(), "attached");
                assertEquals("javax.naming.NamingException", app.get("/jndi?name=" + VulnerableJvm.encode("ldap://127.0.0.1:1/vigil-block")));
                JsonNode jndi = agent.await("Block the test's JNDI lookups", x -> x.toString().contains("vigil-block"));
                assertTrue(jndi.path("events").path(0).path("blocked").asBoolean(), jndi.toString());
                String refused = app.get("/exec?cmd=" + VulnerableJvm.encode("echo vigil-block"));
                assertTrue(refused.contains("IOException") && refused.contains("blocked by Vigil's RASP"), refused);
                agent.await("Block the test's commands", x -> x.path("events").path(0).path("blocked").asBoolean());
                assertEquals("exit 0", app.get("/exec?cmd=" + VulnerableJvm.encode("echo vigil-allowed")), "what no rule blocks runs");
                assertEquals("javax.naming.CommunicationException", app.get("/jndi?name=" + VulnerableJvm.encode("ldap://127.0.0.1:1/vigil-allowed")));
            }
        }
    }

    @Test
    void onlyAJvmRuleMayBlock() {
        RuleSet set = RuleLoader.loadText("b.yaml", "- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: x\n  priority: WARNING\n  block: true\n");
        assertTrue(set.detections().isEmpty(), set.detections().toString());
        assertTrue(set.errors().toString().contains("block is for rules with source: jvm"), set.errors().toString());
    }
}
