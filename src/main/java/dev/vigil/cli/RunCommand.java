package dev.vigil.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code vigil run}: the main job. Today the sensor with the default hooks; detection plugs in here. */
@Command(name = "run", description = "Run the agent: default hooks, events as JSON lines on stdout.")
final class RunCommand implements Callable<Integer> {
    @Option(names = "--hooks", defaultValue = "default", paramLabel = "default|all|NAME,NAME…", description = "Hooks to switch on.")
    String hooks;

    @Option(names = "--duration", defaultValue = "0", paramLabel = "SECONDS", description = "Stop after this many seconds (0: run until stopped).")
    long duration;

    @Override
    public Integer call() throws Exception {
        EventsCommand events = new EventsCommand();
        events.hooks = hooks;
        events.duration = duration;
        events.argvMax = 4096;
        return events.call();
    }
}
