package dev.vigil.integrity;

import java.util.List;

/** One check's pass: clean, findings, or not runnable on this kernel with the reason; what it covered and what it cost. */
public record CheckResult(IntegrityCheck check, Outcome outcome, String note, List<Finding> findings, long nanos) {
    public enum Outcome { CLEAN, FOUND, NOT_RUNNABLE }

    public CheckResult {
        findings = List.copyOf(findings);
    }

    static CheckResult of(IntegrityCheck check, String covered, List<Finding> findings, long nanos) {
        return new CheckResult(check, findings.isEmpty() ? Outcome.CLEAN : Outcome.FOUND, covered, findings, nanos);
    }

    static CheckResult notRunnable(IntegrityCheck check, String why, long nanos) {
        return new CheckResult(check, Outcome.NOT_RUNNABLE, why, List.of(), nanos);
    }
}
