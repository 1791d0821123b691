package dev.vigil.cli;

import dev.vigil.agent.SensorSession;
import dev.vigil.sensor.HookSelection;
import dev.vigil.sensor.SensorOptions;
import dev.vigil.sink.JsonLinesSink;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/** {@code vigil events}: every event as one JSON line on stdout. */
@Command(name = "events", description = "Stream security events as JSON lines on stdout until Ctrl-C, SIGTERM or --duration.")
final class EventsCommand implements Callable<Integer> {
    @Option(names = "--hooks", defaultValue = "default", paramLabel = "default|all|NAME,NAME…",
            description = "Hooks to switch on (see 'vigil hooks'). Default: ${DEFAULT-VALUE}.")
    String hooks;

    @Option(names = "--duration", defaultValue = "0", paramLabel = "SECONDS", description = "Stop after this many seconds (0: run until stopped).")
    long duration;

    @Option(names = "--argv-max", defaultValue = "4096", paramLabel = "BYTES", description = "argv bytes kept per exec (64-4096); longer argv is cut and flagged argv_truncated.")
    int argvMax;

    @Option(names = "--env-max", defaultValue = "2048", paramLabel = "BYTES", description = "Environment bytes kept per exec (0-4096, 0: none); a longer environment is cut and flagged env_truncated.")
    int envMax;

    @Override
    public Integer call() throws Exception {
        if (duration < 0) {
            throw new IllegalArgumentException("--duration must be 0 or more seconds");
        }
        SensorOptions options = SensorOptions.of(HookSelection.parse(hooks)).withArgvMax(argvMax).withEnvMax(envMax)
                .withRawSyscalls(HookSelection.asksForRawSyscalls(hooks));
        var out = new BufferedWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), 1 << 16);
        JsonLinesSink sink = new JsonLinesSink(out, false);
        SensorSession session = new SensorSession(options, sink, sink::flush);
        session.run(duration, "INT", "TERM", "HUP");
        sink.close();
        return 0;
    }
}
