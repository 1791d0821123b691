package dev.vigil.event;

import java.util.List;

/**
 * One field as rules and the JSON output name it: its kind, one line on what it holds, and the
 * Falco fields that read it unchanged ({@code comm} is {@code proc.name}).
 */
public record FieldDef(String name, FieldKind kind, String description, List<String> falco) {
    public FieldDef {
        falco = List.copyOf(falco);
    }
}
