package dev.vigil.event;

import dev.vigil.detect.EventMaps;
import dev.vigil.enrich.Containers;
import dev.vigil.enrich.EnrichedEvent;
import dev.vigil.enrich.ProcessInfo;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The catalogue against what the code does: every field an event writes is declared for its
 * type, every declared field is written by some form of the event, and the README's tables are
 * the ones the catalogue generates.
 */
class CatalogueTest {
    private static Header header(EventType t) {
        return new Header(t, 1, 2, 3, 10, 11, 1, 10, 10, 1000, 1000, 1000, 1000, 1000, 4, 5, 6, 7, 0, "comm");
    }

    private static final PidTree TREE = new PidTree(List.of(new PidTree.Node(10, 2, "comm"), new PidTree.Node(1, 0, "init")));
    private static final Endpoints PEER = new Endpoints(2, "10.0.0.1", 40000, "198.51.100.7", 443, 6);

    /** Each form the event's fields take (the branches its fields() has), for one type. */
    private static List<Event> forms(EventType t) {
        Header h = header(t);
        List<Event> out = new ArrayList<>();
        switch (t.def().record()) {
            case "exec_event" -> {
                out.add(new ExecEvent(h, TREE, "/usr/lib64/ld-linux-x86-64.so.2", List.of("ld.so", "/tmp/x"), false, "/", "/dev/null",
                        "socket:[1]", "pts0", "", "", "/tmp/script", PEER, 10, false, 0, 0, List.of("A=b"), false, 3, 7, 1));
            }
            case "net_event" -> out.add(new NetEvent(h, PEER, 3));
            case "dns_event" -> out.add(new DnsEvent(h, PEER, "example.org", 1, 0, 0, List.of("192.0.2.1"), true));
            case "file_event" -> {
                for (long flags = 0; flags <= 5; flags++) {
                    out.add(new FileEvent(h, TREE, "/a", "/b", "sb", "x", flags, 5, 0644, 3, 2, 8, "/host/a"));
                }
            }
            case "task_event" -> {
                for (long a0 = 0; a0 <= 4; a0++) {
                    for (long a3 = 0; a3 <= 1; a3++) {
                        out.add(TaskEvent.of(h, TREE, a0, 1, 2, a3, "/proc/sys/kernel/x"));
                    }
                }
            }
            case "cred_event" -> out.add(new CredEvent(h, TREE, 1, "1|1|1|1|1|1|1|1", "0|0|0|0|0|0|0|0"));
            case "scan_event" -> out.add(new ScanEvent(h, PEER, 20, 5000));
            default -> {
                if (t == EventType.USB) {
                    out.add(new UsbEvent(h, "add", "usb", "/devices/x", "p", "m", "s"));
                } else if (t == EventType.USERMODEHELPER) {
                    out.add(((ExecEvent) forms(EventType.EXECVE).get(0)).asUsermodeHelper());
                } else {
                    fail(t.eventName() + ": no record to build it from");
                }
            }
        }
        return out;
    }

    private static Set<String> written(Event e) {
        Set<String> names = new LinkedHashSet<>();
        e.fields(FieldSink.into(new java.util.HashMap<>() {
            @Override
            public Object put(String k, Object v) {
                names.add(k);
                return null;
            }
        }));
        return names;
    }

    @Test
    void everyFieldWrittenIsDeclaredAndEveryDeclaredFieldIsWritten() {
        List<String> wrong = new ArrayList<>();
        for (EventType t : EventType.values()) {
            Set<String> all = new TreeSet<>();
            for (Event e : forms(t)) {
                Set<String> w = written(e);
                all.addAll(w);
                for (String f : w) {
                    if (!t.def().fields().contains(f)) {
                        wrong.add(t.eventName() + " writes " + f + ", not among its declared fields");
                    }
                }
            }
            for (String f : t.def().fields()) {
                if (!all.contains(f)) {
                    wrong.add(t.eventName() + " declares " + f + " but no form of it writes it");
                }
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void whatEnrichmentAddsIsDeclaredCommonOrContext() {
        Event e = forms(EventType.PTRACE).get(0);
        ProcessInfo p = new ProcessInfo(10, 1, 2, "/bin/x", "x", List.of("x"), 0);
        EnrichedEvent en = new EnrichedEvent(e, 1, "/bin/x", "root", "abc", "host", 5, true, p, p, p,
                new Containers.Info("abc", "docker", "img", false), "1 nc 198.51.100.7:443", "api.example", "node.example");
        Map<String, Object> m = EventMaps.of(en);
        Set<String> declared = new TreeSet<>(Catalogue.COMMON);
        declared.addAll(Catalogue.CONTEXT);
        declared.addAll(EventType.PTRACE.def().fields());
        Set<String> extra = new TreeSet<>(m.keySet());
        extra.removeAll(declared);
        assertEquals(Set.of(), extra, "fields written by enrichment or EventMaps that the catalogue does not declare");
        assertTrue(m.keySet().containsAll(Catalogue.COMMON), "every common field is written: " + m.keySet());
    }

    @Test
    void everyNameMeansOneThing() {
        for (EventKind k : Catalogue.kinds()) {
            assertEquals(k, Catalogue.kind(k.eventName()));
            assertTrue(k.def().path().isEmpty() || Set.of(FieldKind.PATH, FieldKind.TEXT).contains(Catalogue.field(k.def().path()).kind()),
                    k.eventName() + ": its path field " + k.def().path() + " is not a path or a name");
        }
        Set<Integer> numbers = new java.util.HashSet<>();
        for (EventKind k : Catalogue.kinds()) {
            assertTrue(numbers.add(k.number()), "number " + k.number() + " twice");
        }
    }

    @Test
    void everyFieldListedResolvesForRules() {
        for (String name : Catalogue.fieldNames()) {
            assertTrue(dev.vigil.detect.Fields.resolve(name) != null, name);
            for (String falco : Catalogue.field(name).falco()) {
                assertTrue(dev.vigil.detect.Fields.resolve(falco) != null, falco + " (for " + name + ")");
            }
        }
        dev.vigil.detect.Fields.computed().keySet().forEach(n -> assertTrue(dev.vigil.detect.Fields.resolve(n) != null, n));
    }

    @Test
    void readmeAndFieldsPageAreGeneratedFromTheCatalogue() throws Exception {
        assertGenerated(Path.of("README.md"), dev.vigil.cli.Docs.hooksMarkdown(), "./vigil hooks --markdown");
        assertGenerated(Path.of("docs/fields.md"), dev.vigil.cli.Docs.fieldsMarkdown(), "./vigil fields --markdown");
    }

    private static void assertGenerated(Path file, String expected, String command) throws Exception {
        String text = Files.readString(file);
        int start = text.indexOf("<!-- generated by " + command);
        assertTrue(start >= 0, file + " has no table generated by " + command);
        start = text.indexOf('\n', start) + 1;
        int end = text.indexOf("<!-- end of generated table -->", start);
        assertEquals(expected, text.substring(start, end),
                file + " is out of date: run " + command + " and put its output between the markers");
    }
}
