package dev.vigil.event;

/**
 * An event type of some source. Each source declares its types as an enum implementing this
 * (the kernel sensor's are {@link EventType}) and lists them in {@link Catalogue#kinds}.
 */
public interface EventKind {
    /** The type's number: Elkeid's data_type for the kernel's, unique across sources. */
    int number();

    /** The name in JSON ({@code "event"}) and in rules ({@code evt.type}). */
    String eventName();

    /** Everything else about the type. */
    EventDef def();
}
