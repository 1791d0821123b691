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
            System.out.print(Docs.hooksMarkdown());
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
}
