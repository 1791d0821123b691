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
        assertEquals(SensorOptions.DEFAULT_CONNECT_REPEATS, RuleDrivenCollection.connectRepeats(RuleLoader.load(List.of(Path.of("rules/vigil_rules.yaml")))),
                "the stock brute-force rule counts connects that reached a service: no failure it would count is folded");
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
                - threshold: Many logins to the database
                  condition: evt.type = connect and fd.dport = 5432 and (evt.rawres >= 0 or evt.res in (EINPROGRESS))
                  group_by: [proc.pid]
                  count: 70
                  window: 60s
                  output: x
                  priority: WARNING
                - threshold: Many successful connects
                  condition: evt.type = connect and not evt.res != SUCCESS and evt.failed = false
                  group_by: [proc.pid]
                  count: 80
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
                "a count on connects that can fail raises it; a count on successful connects, a distinct count and a count on other events do not");
        assertEquals(SensorOptions.DEFAULT_CONNECT_REPEATS, RuleDrivenCollection.connectRepeats(RuleLoader.loadText("none.yaml", "[]")));
        String either = """
                - threshold: Many connects, failed or not
                  condition: evt.type = connect and (evt.failed = false or fd.dport = 22)
                  group_by: [proc.pid]
                  count: 60
                  window: 60s
                  output: x
                  priority: WARNING
                - threshold: Many connects, not refused
                  condition: evt.type = connect and not evt.res = ECONNREFUSED
                  group_by: [proc.pid]
                  count: 65
                  window: 60s
                  output: x
                  priority: WARNING
                """;
        assertEquals(65, RuleDrivenCollection.connectRepeats(RuleLoader.loadText("either.yaml", either)),
                "a condition that lets some failure through counts it, under 'or' and under 'not'");
    }
}
