package dev.vigil.detect;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Falco's rule files load unchanged, and Falco's fields mean in Vigil what they mean in Falco:
 * conditions from Falco's own macros, evaluated over events in the form 'vigil events' prints.
 */
class FalcoCompatTest {
    @Test
    void everyEnabledRuleOfEachFalcoFileLoads() {
        int total = 0;
        for (String name : FalcoRuleFiles.NAMES) {
            RuleSet set = RuleLoader.load(List.of(FalcoRuleFiles.file(name)));
            assertEquals(List.of(), set.errors(), name);
            total += set.detections().size();
        }
        assertEquals(81, total, "enabled rules in Falco's three files (see SOURCE beside them)");
        RuleSet all = RuleLoader.load(FalcoRuleFiles.NAMES.stream().map(FalcoRuleFiles::file).toList());
        assertEquals(List.of(), all.errors());
        assertEquals(81, all.detections().size());
    }

    private static Map<String, Object> event(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        m.put("ts", 1L);
        m.put("pid", 100L);
        m.put("comm", "python3");
        m.put("res", 0L);
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static boolean holds(String condition, Map<String, Object> e) {
        RuleSet set = RuleLoader.loadText("t.yaml", """
                - macro: open_write
                  condition: (evt.type in (open,openat,openat2) and evt.is_open_write=true and fd.typechar='f' and fd.num>=0)
                - macro: open_read
                  condition: (evt.type in (open,openat,openat2) and evt.is_open_read=true and fd.typechar='f' and fd.num>=0)
                - macro: open_file_failed
                  condition: (evt.type in (open,openat,openat2) and fd.typechar='f' and fd.num=-1 and evt.res startswith E)
                - rule: r
                  condition: %s
                  output: x
                """.formatted(condition.replace("\n", " ")));
        assertEquals(List.of(), set.errors(), condition);
        return set.detections().getFirst() instanceof Rule r && r.condition().test(e);
    }

    @Test
    void anOpenIsAnOpenatWhateverVigilCallsIt() {
        var write = event("event", "file_write", "file", "/root/.bashrc", "flags", 01101L, "res", 3L);
        assertTrue(holds("open_write and evt.arg.flags contains O_TRUNC", write));
        assertFalse(holds("open_read", write));
        assertTrue(holds("evt.type = file_write and evt.type = openat and evt.type != execve", write));
        var created = event("event", "create_file", "file_path", "/dev/x", "res", 4L, "flags", 0101L);
        assertTrue(holds("(evt.type = creat or evt.type in (open,openat,openat2)) and evt.arg.flags contains O_CREAT and fd.directory = /dev", created));
        var read = event("event", "file_read", "file", "/etc/shadow", "flags", 0L, "res", 3L);
        assertTrue(holds("open_read and fd.name = /etc/shadow and fd.filename = shadow", read));
        var failed = event("event", "file_read", "file", "/etc/shadow", "flags", 0L, "res", -13L);
        assertTrue(holds("open_file_failed and evt.res = EACCES and evt.rawres = -13", failed));
        assertFalse(holds("open_read", failed));
    }

    @Test
    void resultsAreStringsAsInFalcoAndRawresIsTheNumber() {
        var ok = event("event", "connect", "res", 0L);
        assertTrue(holds("evt.res = SUCCESS and evt.rawres = 0 and evt.rawres >= 0", ok));
        assertFalse(holds("evt.res = 0", ok), "Falco's evt.res is a string: SUCCESS, never 0");
        var pending = event("event", "connect", "res", -115L);
        assertTrue(holds("evt.res = EINPROGRESS and evt.res != SUCCESS and evt.rawres < 0", pending));
        // Falco's unprivileged-userfaultfd rule fires on a refused call: "EPERM" != "-1" as strings
        var refused = event("event", "userfaultfd", "res", -1L, "uid", 1000L);
        assertTrue(holds("evt.type = userfaultfd and (evt.rawres >= 0 or evt.res != -1)", refused));
        assertFalse(holds("evt.res = -1", refused));
    }

    @Test
    void linksAreHardOrSymbolicAsFalcoTellsThem() {
        var sym = event("event", "link", "old_name", "/etc/shadow", "new_name", "/tmp/s", "flags", 1L);
        assertTrue(holds("evt.type in (symlink, symlinkat) and evt.arg.target = /etc/shadow and evt.arg.linkpath = /tmp/s", sym));
        assertFalse(holds("evt.type in (link, linkat)", sym));
        var hard = event("event", "link", "old_name", "/etc/shadow", "new_name", "/tmp/h", "flags", 0L);
        assertTrue(holds("evt.type in (link, linkat) and evt.arg.oldpath in (/etc/shadow, /etc/sudoers)", hard));
    }

    @Test
    void modesRequestsAndDomainsAreNamed() {
        var chmod = event("event", "chmod", "file_path", "/tmp/x", "mode", 04755L);
        assertTrue(holds("evt.type in (chmod, fchmod, fchmodat) and evt.arg.mode contains S_ISUID and not evt.arg.mode contains S_ISGID", chmod));
        var traceme = event("event", "ptrace", "ptrace_request", 0L, "target_pid", 0L);
        assertTrue(holds("evt.type=ptrace and evt.arg.request contains PTRACE_TRACEME and evt.dir = >", traceme));
        var attach = event("event", "ptrace", "ptrace_request", 16L, "target_pid", 7L);
        assertTrue(holds("evt.arg.request = PTRACE_ATTACH and evt.arg.request = 16 and evt.dir = <", attach));
        var packet = event("event", "raw_socket", "sa_family", 17L, "socket_type", 3L);
        assertTrue(holds("evt.type=socket and evt.arg.domain contains AF_PACKET", packet));
        var bpf = event("event", "bpf_load");
        assertTrue(holds("evt.type=bpf and (evt.arg.cmd=5 or evt.arg.cmd=BPF_PROG_LOAD)", bpf));
        var setuid = event("event", "update_cred", "res", -1L, "uid", 1000L);
        assertTrue(holds("evt.type=setuid and evt.arg.uid = 0 and not user.uid = 0", setuid));
    }

    @Test
    void socketEndsFollowWhoConnected() {
        var out = event("event", "connect", "sa_family", 2L, "sip", "10.0.0.2", "sport", 40000L, "dip", "93.184.216.34",
                "dport", 2222L, "protocol", "tcp", "res", -115L);
        assertTrue(holds("fd.sip = 93.184.216.34 and fd.sport = 2222 and fd.cip = 10.0.0.2 and fd.lip = 10.0.0.2 and fd.rport = 2222", out));
        assertTrue(holds("fd.typechar = 4 and fd.type = ipv4 and fd.sockfamily = ip and fd.l4proto = tcp and fd.connected = true", out));
        assertTrue(holds("fd.net != \"127.0.0.0/8\" and not fd.snet in (\"10.0.0.0/8\", \"192.168.0.0/16\") and fd.cnet = \"10.0.0.0/8\"", out));
        assertTrue(holds("fd.ip = 10.0.0.2 and fd.ip = 93.184.216.34 and fd.ip != \"0.0.0.0\"", out));
        assertEquals("10.0.0.2:40000->93.184.216.34:2222", FdFields.name(out));
        var loop = event("event", "connect", "sa_family", 2L, "sip", "127.0.0.1", "sport", 1L, "dip", "127.0.0.1", "dport", 2L);
        assertFalse(holds("fd.net != \"127.0.0.0/8\"", loop));
        var scan = event("event", "port_scan", "sa_family", 2L, "sip", "10.9.9.9", "sport", 41000L, "dip", "10.0.0.2", "dport", 22L);
        assertTrue(holds("fd.rip = 10.9.9.9 and fd.lip = 10.0.0.2 and fd.lport = 22 and fd.cip = 10.9.9.9", scan), "a scan's remote end is the scanner");
        var accepted = event("event", "accept", "sa_family", 10L, "sip", "::1", "sport", 22L, "dip", "::1", "dport", 50000L, "res", 5L);
        assertTrue(holds("fd.sport = 22 and fd.cport = 50000 and fd.typechar = 6 and fd.snet = \"::1/128\"", accepted));
    }

    @Test
    void ancestorsTerminalsAndSessions() {
        List<Map<String, Object>> ancestors = List.of(Map.of("pid", 100L, "start", 5L, "comm", "sh"),
                Map.of("pid", 90L, "start", 4L, "comm", "nginx"), Map.of("pid", 80L, "start", 3L, "comm", "bash"),
                Map.of("pid", 1L, "start", 1L, "comm", "systemd"));
        var exec = event("event", "execve", "comm", "sh", "args", List.of("sh", "-c", "id"), "ancestors", ancestors,
                "tty", "pts3", "sid", 80L, "pgid", 100L);
        assertTrue(holds("proc.aname = systemd and proc.aname in (nginx, httpd) and proc.aname[2] = bash and proc.apid[1] = 90", exec));
        assertFalse(holds("proc.aname = sh", exec));
        assertTrue(holds("proc.tty != 0 and proc.sname = bash and proc.is_vpgid_leader = true", exec));
        var daemon = event("event", "execve", "comm", "sh", "tty", "", "sid", 1L, "pgid", 5L);
        assertTrue(holds("proc.tty = 0 and proc.is_vpgid_leader = false", daemon));
    }

    @Test
    void binaryAndCaseFreeOperators() {
        var e = event("event", "execve", "comm", "x", "exe", "/TMP/Payload.BIN", "args", List.of("x", "\u007fELF"));
        assertTrue(holds("proc.exe iglob /tmp/*.bin", e));
        assertTrue(holds("proc.cmdline bcontains 7f454c46", e));
        assertTrue(holds("proc.cmdline bstartswith 78", e));
        RuleSet bad = RuleLoader.loadText("t.yaml", "- rule: r\n  condition: proc.name bcontains xyz\n  output: x\n");
        assertEquals(1, bad.errors().size());
        assertTrue(bad.errors().getFirst().getMessage().contains("not hex"), bad.errors().getFirst().getMessage());
    }

    @Test
    void sourcesPluginsEngineVersionsAndShortForms() {
        RuleSet set = RuleLoader.loadText("t.yaml", """
                - required_engine_version: 0.31.0
                - required_plugin_versions:
                    - name: container
                      version: 0.4.0
                    - name: k8saudit
                      version: 0.7.0
                    - name: cloudtrail
                      version: 0.2.0
                - rule: audit
                  condition: ka.verb = create
                  output: x
                  source: k8s_audit
                - rule: trail
                  condition: ct.name = ConsoleLogin
                  output: x
                  source: aws_cloudtrail
                - rule: optional
                  condition: proc.name = a and some.plugin.field = 1
                  output: x
                  skip-if-unknown-filter: true
                - rule: off
                  condition: proc.name = b
                  output: x
                - rule: off
                  enabled: false
                - rule: on
                  condition: proc.name = c
                  output: x
                  enabled: false
                - rule: on
                  enabled: yes
                """);
        assertEquals(List.of(), set.errors());
        assertEquals(List.of("audit", "on"), set.detections().stream().map(Detection::name).toList());
        assertEquals(3, set.warnings().size(), set.warnings().toString());
        RuleSet newer = RuleLoader.loadText("t.yaml", "- required_engine_version: 9.0.0\n- rule: r\n  condition: proc.name = a\n  output: x\n");
        assertEquals(1, newer.errors().size());
        assertTrue(newer.errors().getFirst().getMessage().contains("needs rule engine 9.0.0"));
        RuleSet dangling = RuleLoader.loadText("t.yaml", "- rule: nowhere\n  enabled: true\n");
        assertTrue(dangling.errors().getFirst().getMessage().contains("not defined before"));
    }

    @Test
    void metadataVigilHasNoSourceForIsEmptySoRulesMeanNotInAContainer() {
        var host = event("event", "execve", "comm", "sh");
        assertTrue(holds("container.id = host and not k8s.ns.name exists and not container.image.repository exists", host));
        var replayed = event("event", "execve", "comm", "sh", "container_id", "abc123", "container_image", "docker.io/library/nginx:1.25",
                "container_privileged", true, "vpid", 1L);
        assertTrue(holds("container.id != host and container.image.repository = docker.io/library/nginx and container.privileged = true and proc.vpid = 1", replayed));
    }

    @Test
    void stockPackStillLoads() {
        RuleSet set = RuleLoader.load(List.of(dev.vigil.cli.StockPack.path()));
        assertEquals(List.of(), set.errors());
    }
}
