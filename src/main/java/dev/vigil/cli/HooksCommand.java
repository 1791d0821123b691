package dev.vigil.cli;

import dev.vigil.event.EventType;
import dev.vigil.sensor.HookAvailability;
import dev.vigil.sensor.Hooks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code vigil hooks}: the kernel sensor's part of the event catalogue, and what this kernel allows of it. */
@Command(name = "hooks", description = "List the hook catalogue: type, name, default or sandbox, availability here.")
final class HooksCommand implements Callable<Integer> {
    @Option(names = "--markdown", description = "The README's table of events: type, name, set, what it is, fields, route.")
    boolean markdown;

    @Override
    public Integer call() {
        if (markdown) {
            System.out.print(markdown());
            return 0;
        }
        System.out.printf("%-5s %-26s %-8s %-11s %s%n", "TYPE", "NAME", "SET", "AVAILABLE", "MECHANISM / WHY NOT");
        for (EventType h : Hooks.all()) {
            HookAvailability a = HookAvailability.of(h);
            System.out.printf("%-5d %-26s %-8s %-11s %s%n", h.number(), h.eventName(),
                    Hooks.onByDefault(h) ? "default" : "sandbox", a.label(), a.note().isEmpty() ? Hooks.of(h).mechanism() : a.note());
        }
        return 0;
    }

    /** The table, from the declarations alone (no kernel needed), so a test can hold the README to it. */
    static String markdown() {
        StringBuilder sb = new StringBuilder("| type | event | set | what it is | fields (see `vigil fields`) | route in the kernel |\n"
                + "|---|---|---|---|---|---|\n");
        for (EventType h : Hooks.all()) {
            sb.append("| ").append(h.number()).append(" | ").append(h.eventName()).append(" | ")
                    .append(Hooks.onByDefault(h) ? "default" : "sandbox").append(" | ").append(cell(h.def().description())).append(" | ")
                    .append(String.join(", ", h.def().fields())).append(" | ").append(cell(Hooks.of(h).mechanism())).append(" |\n");
        }
        return sb.toString();
    }

    private static String cell(String s) {
        return s.replace("|", "\\|");
    }
}
