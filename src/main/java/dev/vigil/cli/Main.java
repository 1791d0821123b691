package dev.vigil.cli;

import dev.vigil.agent.Errors;
import dev.vigil.sink.Escape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** {@code vigil}: the command line. User mistakes end in one line on stderr and exit status 2. */
@Command(name = "vigil", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, version = "vigil " + Main.VERSION,
        description = "Host intrusion detection on eBPF tracepoints.")
public final class Main implements Runnable {
    public static final String VERSION = "0.1.0";

    /**
     * The commands, in the order help lists them, each made only when needed: picocli reads a
     * command's options by reflection when it is added, 0.3 – 0.45 s for all of them on the agent's
     * JVM before `vigil run` could start (0.14 s for `run` alone).
     */
    private static final Map<String, Supplier<Object>> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("run", RunCommand::new);
        COMMANDS.put("events", EventsCommand::new);
        COMMANDS.put("hooks", HooksCommand::new);
        COMMANDS.put("fields", FieldsCommand::new);
        COMMANDS.put("rules", RulesCommand::new);
        COMMANDS.put("replay", ReplayCommand::new);
        COMMANDS.put("show", ShowCommand::new);
        COMMANDS.put("rasp", RaspCommand::new);
        COMMANDS.put("integrity", IntegrityCommand::new);
        COMMANDS.put("agent", AgentCommand::new);
        COMMANDS.put("server", ServerCommand::new);
        COMMANDS.put("broker", BrokerCommand::new);
        COMMANDS.put("help", CommandLine.HelpCommand::new);
    }

    @Spec
    private CommandSpec spec;

    static String version() {
        return VERSION;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    /** The command line with every command. */
    static CommandLine full() {
        CommandLine cl = new CommandLine(new Main());
        COMMANDS.values().forEach(c -> cl.addSubcommand(c.get()));
        return cl;
    }

    /** The command line `args` need: the one command they name, or all of them (help, a mistake, options only). */
    static CommandLine forArgs(String[] args) {
        Supplier<Object> named = args.length > 0 && !args[0].equals("help") ? COMMANDS.get(args[0]) : null;
        if (named == null) {
            return full();
        }
        CommandLine cl = new CommandLine(new Main());
        cl.addSubcommand(named.get());
        return cl;
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
        CommandLine cl = forArgs(args);
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
