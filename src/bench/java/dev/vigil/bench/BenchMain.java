package dev.vigil.bench;

import dev.vigil.agent.Errors;
import picocli.CommandLine;

/**
 * {@code vigil bench}: its own jar (target/vigil-bench.jar), beside the agent's and never in it,
 * so the benchmarks and what only they use (Smile, CBOR, the browser driver) stay out of the
 * agent's runtime. The launcher runs it for {@code ./vigil bench}.
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new BenchCommand());
        cl.setParameterExceptionHandler((ex, a) -> {
            System.err.println("vigil bench: " + ex.getMessage() + " (see vigil bench --help)");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            System.err.println("vigil bench: " + Errors.oneLine(ex));
            return 2;
        });
        System.exit(cl.execute(args));
    }
}
