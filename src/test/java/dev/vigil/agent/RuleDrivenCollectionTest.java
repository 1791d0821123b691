package dev.vigil.agent;

import dev.vigil.detect.RuleLoader;
import dev.vigil.sensor.SensorOptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the rules make the kernel collect: here, how many failed connects it sends before it folds. */
class RuleDrivenCollectionTest {
    @Test
    void theKernelSendsEveryFailedConnectAThresholdRuleCounts() {
        assertEquals(30, RuleDrivenCollection.connectRepeats(RuleLoader.load(List.of(Path.of("rules/vigil_rules.yaml")))),
                "the stock brute-force rule counts 30 connects to one port");
        String rules = """
                - threshold: Many failed logins to the database
                  condition: evt.type = connect and fd.dport = 5432
                  group_by: [proc.pid]
                  count: 50
                  window: 60s
                  output: x
                  priority: WARNING
                - threshold: Many distinct ports
                  condition: evt.type = connect
                  group_by: [proc.pid]
                  distinct: fd.dport
                  count: 500
                  window: 60s
                  output: x
                  priority: WARNING
                - threshold: Many execs
                  condition: evt.type = execve
                  group_by: [proc.pid]
                  count: 900
                  window: 60s
                  output: x
                  priority: WARNING
                """;
        assertEquals(50, RuleDrivenCollection.connectRepeats(RuleLoader.loadText("custom.yaml", rules)),
                "a count on connects raises it; a distinct count and a count on other events do not");
        assertEquals(SensorOptions.DEFAULT_CONNECT_REPEATS, RuleDrivenCollection.connectRepeats(RuleLoader.loadText("none.yaml", "[]")));
    }
}
