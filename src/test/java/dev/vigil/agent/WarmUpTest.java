package dev.vigil.agent;

import dev.vigil.detect.Engine;
import dev.vigil.detect.RuleLoader;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The warm-up's made-up execs go the whole event path: every stock rule evaluates them without an
 * error, none fires, and the store's writer writes each into its scratch database.
 */
class WarmUpTest {
    @Test
    void madeUpExecsPassEveryStockRuleCleanly() throws Exception {
        WarmUp.Ran ran = WarmUp.run(RuleLoader.load(List.of(RulePaths.stockPack())), 300);
        Engine engine = ran.engine();
        assertEquals(0, engine.ruleErrorTotal(), "rule errors on the warm-up's events: " + engine.ruleErrors());
        assertEquals(0, engine.alerts(), "an ordinary exec (make running true) raises nothing");
        assertEquals(300, ran.rowsWritten(), "rows the writer wrote into its scratch store");
        assertEquals(0, ran.rowsDropped());
    }
}
