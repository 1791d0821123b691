package dev.vigil.cli;

import dev.vigil.sensor.Hook;
import dev.vigil.sensor.HookAvailability;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code vigil hooks}: the catalogue, and what this kernel allows of it. */
@Command(name = "hooks", description = "List the hook catalogue: type, name, default or sandbox, availability here.")
final class HooksCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.printf("%-5s %-26s %-8s %-11s %s%n", "TYPE", "NAME", "SET", "AVAILABLE", "MECHANISM / WHY NOT");
        for (Hook h : Hook.values()) {
            HookAvailability a = HookAvailability.of(h);
            System.out.printf("%-5d %-26s %-8s %-11s %s%n", h.type().number(), h.hookName(),
                    h.onByDefault() ? "default" : "sandbox", a.label(), a.note().isEmpty() ? h.mechanism() : a.note());
        }
        return 0;
    }
}
