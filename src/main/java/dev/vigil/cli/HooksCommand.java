package dev.vigil.cli;

import dev.vigil.event.EventType;
import dev.vigil.sensor.Hooks;
import dev.vigil.sensor.HookAvailability;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code vigil hooks}: the catalogue, and what this kernel allows of it. */
@Command(name = "hooks", description = "List the hook catalogue: type, name, default or sandbox, availability here.")
final class HooksCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.printf("%-5s %-26s %-8s %-11s %s%n", "TYPE", "NAME", "SET", "AVAILABLE", "MECHANISM / WHY NOT");
        for (EventType h : Hooks.all()) {
            HookAvailability a = HookAvailability.of(h);
            System.out.printf("%-5d %-26s %-8s %-11s %s%n", h.number(), h.eventName(),
                    Hooks.onByDefault(h) ? "default" : "sandbox", a.label(), a.note().isEmpty() ? Hooks.of(h).mechanism() : a.note());
        }
        return 0;
    }
}
