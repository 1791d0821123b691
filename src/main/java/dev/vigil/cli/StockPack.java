package dev.vigil.cli;

import dev.vigil.agent.RulePaths;

import java.nio.file.Path;

/** The stock rule pack's folder, for tests and tools outside this package. */
public final class StockPack {
    private StockPack() {}

    public static Path path() {
        return RulePaths.stockPack();
    }
}
