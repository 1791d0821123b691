package dev.vigil.agent;

import dev.vigil.detect.Engine;
import dev.vigil.detect.RuleLoader;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The warm-up's made-up execs go the whole event path: every stock rule evaluates them without an error, and none fires. */
class WarmUpTest {
    @Test
    void madeUpExecsPassEveryStockRuleCleanly() throws Exception {
        Engine engine = WarmUp.run(RuleLoader.load(List.of(RulePaths.stockPack())), 300);
        assertEquals(0, engine.ruleErrorTotal(), "rule errors on the warm-up's events: " + engine.ruleErrors());
        assertEquals(0, engine.alerts(), "an ordinary exec (make running true) raises nothing");
    }
}
