package dev.vigil.cli;

import dev.vigil.bpf.BpfException;
import dev.vigil.bpf.NotSupportedException;
import dev.vigil.bpf.VerifierException;
import dev.vigil.sink.OwnFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ScopeType;

import java.io.IOException;
import java.nio.file.Path;

/** {@code vigil}: the command line. User mistakes end in one line on stderr and exit status 2. */
@Command(name = "vigil", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, version = "vigil " + Main.VERSION,
        description = "Host intrusion detection on eBPF tracepoints.",
        subcommands = {RunCommand.class, EventsCommand.class, HooksCommand.class, FieldsCommand.class, RulesCommand.class, ReplayCommand.class,
                BenchCommand.class, ShowCommand.class, AgentCommand.class, ServerCommand.class, BrokerCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    static final String VERSION = "0.1.0";

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
            System.err.println("vigil: " + oneLine(ex));
            return 2;
        });
        return cl.execute(args);
    }

    /** One line for the user; the verifier's log goes to a file the line names. */
    static String oneLine(Throwable ex) {
        if (ex instanceof VerifierException v) {
            try {
                Path log = OwnFiles.writeNew("verifier-", ".log", v.log());
                return v.getMessage() + " (the kernel refused a BPF program; verifier log in " + log + ")";
            } catch (IOException notWritten) {
                return v.getMessage() + " (the kernel refused a BPF program; the verifier log could not be saved: " + notWritten.getMessage() + ")";
            }
        }
        if (ex instanceof NotSupportedException n) {
            return n.getMessage();
        }
        if (ex instanceof BpfException b && (b.errno() == 1 || b.errno() == 13)) {
            return b.getMessage() + " (BPF refused: run as root on a kernel that allows BPF; check lockdown and kernel.unprivileged_bpf_disabled)";
        }
        if (ex instanceof IllegalArgumentException) {
            return ex.getMessage();
        }
        return ex.getClass().getSimpleName() + ": " + ex.getMessage();
    }
}
