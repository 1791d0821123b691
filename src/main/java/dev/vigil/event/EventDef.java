package dev.vigil.event;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The declaration of one event type: its source (Falco's name for it, so a rule's {@code source:}
 * picks it), one line on what it is, its own fields in JSON order (names from {@link Catalogue}),
 * the Falco event types (syscalls) it stands for and the Falco argument names that read one of its
 * fields unchanged ({@code evt.arg.path} of mkdir is its {@code file}), which of its fields is the path it acted on
 * (empty: none), whether its dip/dport are a network peer, the kernel hook that makes it, and
 * the C struct (bpf/include/vigil.h) it crosses the ring buffer in (empty: made in userspace).
 */
public record EventDef(String source, String description, List<String> fields, Set<String> falcoTypes,
                       Map<String, String> falcoArgs, String path, boolean peer, KernelHook hook, String record) {
    public EventDef {
        fields = List.copyOf(fields);
        falcoTypes = Set.copyOf(new LinkedHashSet<>(falcoTypes));
        falcoArgs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(falcoArgs));
    }

    /** A kernel sensor event, on by default or not, made by the BPF programs with these name prefixes. */
    public static Builder kernel(boolean onByDefault, String mechanism, String... programPrefixes) {
        return new Builder("syscall", new KernelHook(onByDefault, mechanism, List.of(programPrefixes)));
    }

    /** An event of a source other than the kernel (Falco's name for the source: {@code k8s_audit}). */
    public static Builder source(String source) {
        return new Builder(source, null);
    }

    /** An event of the kernel sensor made only for the agent's own use (no hook of its own to select). */
    public static Builder internal() {
        return new Builder("syscall", null);
    }

    public static final class Builder {
        private final String source;
        private final KernelHook hook;
        private String description = "";
        private final List<String> fields = new ArrayList<>();
        private final Set<String> falco = new LinkedHashSet<>();
        private final Map<String, String> falcoArgs = new LinkedHashMap<>();
        private String path = "";
        private boolean peer;
        private String record = "";

        private Builder(String source, KernelHook hook) {
            this.source = source;
            this.hook = hook;
        }

        public Builder is(String description) {
            this.description = description;
            return this;
        }

        /** The event's own fields, in JSON order. */
        public Builder fields(String... names) {
            fields.addAll(List.of(names));
            return this;
        }

        /** The ancestry (pid_tree and ancestors) the kernel walked for this event. */
        public Builder ancestry() {
            return fields("pid_tree", "ancestors");
        }

        /** sa_family, sip, sport, dip, dport. */
        public Builder endpoints() {
            return fields("sa_family", "sip", "sport", "dip", "dport");
        }

        /** The Falco event types this event stands for, whatever its other fields. */
        public Builder falco(String... types) {
            falco.addAll(List.of(types));
            return this;
        }

        /**
         * Falco argument names ({@code evt.arg.NAME}) that read `field` as it is; arguments Falco
         * renders otherwise (flags by name, a mode as S_ISUID…) are rendered in the detect package.
         */
        public Builder falcoArg(String field, String... names) {
            for (String n : names) {
                falcoArgs.put(n, field);
            }
            return this;
        }

        /** The field that is the path this event acted on (one of its fields). */
        public Builder path(String field) {
            this.path = field;
            return this;
        }

        /** The C struct the kernel sends it in ({@code file_event}); the decoder reads it by this. */
        public Builder record(String struct) {
            this.record = struct;
            return this;
        }

        /** dip/dport name the network peer of this event's socket, where it has one. */
        public Builder peer() {
            this.peer = true;
            return this;
        }

        /** Checked by {@link Catalogue} once every field is defined. */
        EventDef build() {
            return new EventDef(source, description, fields, falco, falcoArgs, path, peer, hook, record);
        }
    }
}
