package dev.vigil.agent;

import dev.vigil.detect.Engine;
import dev.vigil.detect.RuleLoader;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The warm-up's made-up build (the shell, compiler, assembler and linker run; files created, removed and chmodded) goes the whole event
 * path: every stock rule evaluates it without an error, none fires, and the store's writer writes
 * each event into its scratch database.
 */
class WarmUpTest {
    @Test
    void aMadeUpBuildPassesEveryStockRuleCleanly() throws Exception {
        WarmUp.Ran ran = WarmUp.run(RuleLoader.load(List.of(RulePaths.stockPack())), 300);
        Engine engine = ran.engine();
        assertEquals(0, engine.ruleErrorTotal(), "rule errors on the warm-up's events: " + engine.ruleErrors());
        assertEquals(0, engine.alerts(), "an ordinary build (make running the shell, the compiler, the assembler and the linker, which create, remove and chmod files) raises nothing");
        assertEquals(300 + 300 + 300 + 300 / WarmUp.BUILD_STEPS.size(), ran.events(), "the execs, the files created and removed, the linker's outputs chmodded");
        assertEquals(ran.events(), ran.rowsWritten(), "rows the writer wrote into its scratch store");
        assertEquals(0, ran.rowsDropped());
    }
}
