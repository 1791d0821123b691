package dev.vigil.cli;

import dev.vigil.agent.Errors;
import dev.vigil.sink.Escape;
import picocli.CommandLine.Command;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine;

/** {@code vigil}: the command line. User mistakes end in one line on stderr and exit status 2. */
@Command(name = "vigil", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, version = "vigil " + Main.VERSION,
        description = "Host intrusion detection on eBPF tracepoints.",
        subcommands = {RunCommand.class, EventsCommand.class, HooksCommand.class, FieldsCommand.class, RulesCommand.class, ReplayCommand.class,
                ShowCommand.class, RaspCommand.class, IntegrityCommand.class, AgentCommand.class, ServerCommand.class, BrokerCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final String VERSION = "0.1.0";

    static String version() {
        return VERSION;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.err);
    }

    public static void main(String[] args) {
        int status;
        try {
            status = execute(args);
        } catch (StackOverflowError | OutOfMemoryError e) {
            // bounded inputs should never get here; if one does, one line, not a stack trace
            System.err.println("vigil: internal error: " + e + " (please report it with the input that caused it)");
            status = 70;
        }
        System.exit(status);
    }

    static int execute(String[] args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((ex, a) -> {
            System.err.println("vigil: " + Escape.line(ex.getMessage()) + " (see " + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            System.err.println("vigil: " + Errors.oneLine(ex));
            return 2;
        });
        return cl.execute(args);
    }
}
