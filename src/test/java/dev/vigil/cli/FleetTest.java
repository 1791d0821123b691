package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.fleet.LocalBroker;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fleet mode on a real broker: the KRaft broker `vigil broker` runs (Kafka's own server from
 * Maven Central's artifacts, on loopback), `vigil agent` publishing this host's events under a
 * host id, `vigil server` consuming them as a consumer group: an attacker's move on this host
 * becomes an alert at the server. A rule set pushed with `vigil rules push` takes effect at the
 * server; a broken one reaching the server is refused there and the previous rules keep running.
 */
class FleetTest {
    private static int freePortPair() throws Exception {
        return LocalBroker.freePortPair();
    }

    /**
     * A broker key and certificate for 127.0.0.1 (keytool's, in the JDK), and a truststore of that
     * certificate: `dir`/broker.p12 and `dir`/trust.p12, both with `password`.
     */
    private static void makeTlsKeys(Path dir, String password) throws Exception {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Path cert = dir.resolve("broker.crt");
        for (List<String> cmd : List.of(
                List.of(keytool, "-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                        "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", dir.resolve("broker.p12").toString(),
                        "-storepass", password),
                List.of(keytool, "-exportcert", "-alias", "broker", "-keystore", dir.resolve("broker.p12").toString(), "-storepass", password,
                        "-rfc", "-file", cert.toString()),
                List.of(keytool, "-importcert", "-noprompt", "-alias", "broker", "-file", cert.toString(), "-storetype", "PKCS12",
                        "-keystore", dir.resolve("trust.p12").toString(), "-storepass", password))) {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
        }
    }

    @Test
    void anAttackOnAnAgentsHostIsAlertedAtTheServer() throws Exception {
        AgentProcess.requireRoot();
        try (TempDir work = TempDir.create("vigil-fleet")) {
            int port = freePortPair();
            makeTlsKeys(work.path(), "vigil-test-pass");
            int tlsPort;
            do {
                tlsPort = freePortPair();
            } while (tlsPort == port || tlsPort == port + 1);
            try (LocalBroker broker = LocalBroker.start(work.path().resolve("broker"), port,
                    new LocalBroker.Tls(tlsPort, work.path().resolve("broker.p12"), "vigil-test-pass"));
                 AgentProcess server = AgentProcess.command(StormTest.serverJvmOptions(), "server", "--kafka", broker.bootstrap(),
                         "--data", work.path().resolve("server").toString(), "--listen", "127.0.0.1:0", "--fold", "0");
                 AgentProcess agent = AgentProcess.command(StormTest.jvmOptions(), "agent", "--kafka", broker.bootstrap(),
                         "--host-id", "fleet-host-1", "--heartbeat", "1", "--spool", work.path().resolve("spool").toString(), "--detect", "local")) {
                Path stamp = Files.createFile(work.path().resolve("stamp"));
                JsonNode alert = null;
                for (int i = 0; i < 6 && alert == null; i++) { // the first records wait for the topic to be made
                    new ProcessBuilder("setsid", "touch", "-d", "2001-01-01", stamp.toString()).start().waitFor();
                    for (int wait = 0; wait < 50 && alert == null; wait++) {
                        Thread.sleep(200);
                        alert = server.alerts.stream().filter(a -> a.path("rule").asText().startsWith("Timestamps forged")).findFirst().orElse(null);
                    }
                }
                assertTrue(alert != null, "no timestomping alert at the server: " + server.alerts + "; agent: " + agent.stderr
                        + "; server: " + server.stderr);
                // the host id names the host everywhere: the alert, its events, the process identities
                assertEquals("fleet-host-1", alert.path("host").asText(), alert.toString());
                assertEquals("fleet-host-1", alert.path("events").get(0).path("nodename").asText(), alert.toString());
                assertTrue(alert.path("events").get(0).path("exec_id").asText().startsWith("fleet-host-1:"), alert.toString());

                // the agent detecting locally sent the same alert to vigil.alerts, under its host id
                // (the server's copy, shared with other servers, is there too: it says which server raised it)
                List<String> onTopic = localAlerts(broker.bootstrap());
                assertTrue(onTopic.stream().anyMatch(a -> a.startsWith("fleet-host-1 ") && a.contains("Timestamps forged with touch")
                        && !a.contains("\"raised_by\"")), "an alert on vigil.alerts from the agent: " + onTopic);

                // a second host: events recorded elsewhere (here: fleet-host-1's), published under another host id over
                // TLS (the broker's certificate checked against a truststore), alerted as that host's
                var recorded = alert.path("events").get(0);
                Path recording = work.path().resolve("recording.jsonl");
                Files.writeString(recording, recorded + "\nnot json\n");
                Path tlsConfig = work.path().resolve("kafka-tls.properties");
                Files.writeString(tlsConfig, "security.protocol=SSL\nssl.truststore.type=PKCS12\nssl.truststore.location="
                        + work.path().resolve("trust.p12") + "\nssl.truststore.password=vigil-test-pass\n");
                List<String> replay = new java.util.ArrayList<>(AgentProcess.javaCommand());
                replay.addAll(List.of("agent", "--kafka", broker.tlsBootstrap(), "--kafka-config", tlsConfig.toString(),
                        "--host-id", "replayed-host", "--from", recording.toString()));
                Process replayer = new ProcessBuilder(replay).redirectErrorStream(true).start();
                String replayed = new String(replayer.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                assertEquals(1, replayer.waitFor(), "a skipped line makes exit 1: " + replayed);
                assertTrue(replayed.contains("1 recorded events published as host replayed-host, 1 lines skipped (not a JSON object, or not a valid audit batch); 2 delivered, 0 failed"),
                        replayed);
                try {
                    server.await("Timestamps forged with touch", a -> a.path("host").asText().equals("replayed-host"));
                } catch (AssertionError e) {
                    throw new AssertionError("replayed: " + recorded + "; " + replayed + "; " + e.getMessage(), e);
                }

                // the console's health lists both hosts with their heartbeats
                String console = server.awaitStderr(l -> l.startsWith("vigil: console http://"));
                java.util.regex.Matcher at = java.util.regex.Pattern.compile("http://([^/]+)/ token ([0-9a-f]+)").matcher(console);
                assertTrue(at.find(), console);
                var http = java.net.http.HttpClient.newHttpClient();
                JsonNode health = null;
                for (int i = 0; i < 50 && (health == null || !health.path("hosts").has("fleet-host-1") || !health.path("hosts").has("replayed-host")); i++) {
                    Thread.sleep(200);
                    var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + at.group(1) + "/api/health"))
                            .header("Authorization", "Bearer " + at.group(2)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                    health = new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body());
                }
                assertTrue(health.path("hosts").has("fleet-host-1") && health.path("hosts").has("replayed-host"), "hosts: " + health);
                assertEquals(false, health.path("hosts").path("fleet-host-1").path("silent").asBoolean(true), health.toString());
                assertTrue(health.path("hosts").path("fleet-host-1").path("kernel").asText().length() > 0, health.toString());
                assertEquals(1, health.path("hosts").path("fleet-host-1").path("heartbeat_s").asInt(), health.toString());
                assertTrue(health.path("hosts").path("fleet-host-1").path("alerts").asLong() >= 1, health.toString());
                assertTrue(health.path("kafka_lag_records").asLong() >= 0, "the server says how far behind it is: " + health);
                assertEquals(0, health.path("hosts_silent").asLong(-1), "both hosts heard from: " + health);
                // the events of a host, by the console's host filter
                var hostEvents = new com.fasterxml.jackson.databind.ObjectMapper().readTree(http.send(java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create("http://" + at.group(1) + "/api/events?host=replayed-host"))
                        .header("Authorization", "Bearer " + at.group(2)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body());
                assertTrue(hostEvents.size() >= 1, hostEvents.toString());
                hostEvents.forEach(e -> assertEquals("replayed-host", e.path("nodename").asText(), hostEvents.toString()));
                hostsPageInABrowser("http://" + at.group(1) + "/", at.group(2));

                // records no agent would send (a compromised host writing to Kafka itself): counted and skipped, the server goes on
                publishHostile(broker.bootstrap());
                Path marker = work.path().resolve("marker.yaml");
                Files.writeString(marker, "- rule: Fleet marker\n  condition: spawned_process and proc.name = true and proc.args contains vigil-fleet-marker\n"
                        + "  output: \"marker %proc.cmdline\"\n  priority: WARNING\n");
                List<String> push = new java.util.ArrayList<>(AgentProcess.javaCommand());
                push.addAll(List.of("rules", "push", "--kafka", broker.bootstrap(), "--add-rules", marker.toString()));
                Process pusher = new ProcessBuilder(push).redirectErrorStream(true).start();
                String pushed = new String(pusher.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                assertEquals(0, pusher.waitFor(), pushed);
                server.awaitStderr(l -> l.contains("rule set pushed") && l.contains("loaded"));
                new ProcessBuilder("/bin/true", "vigil-fleet-marker").start().waitFor();
                server.await("Fleet marker", a -> a.get("output").asText().contains("vigil-fleet-marker"));

                // a set that passed where it was pushed from but not here (another version, say): refused, the marker rule stays
                dev.vigil.fleet.RulesFeed.push(broker.bootstrap(), java.util.Map.of(), "vigil.rules", new dev.vigil.fleet.RulesFeed.Push(
                        java.util.Map.of("broken.yaml", "- rule: Broken\n  condition: evt.type = = execve\n  output: x\n"), true, 1, "test"));
                server.awaitStderr(l -> l.contains("refused, the previous rules keep running"));
                server.alerts.clear();
                new ProcessBuilder("/bin/true", "vigil-fleet-marker", "again").start().waitFor();
                server.await("Fleet marker", a -> a.get("output").asText().contains("again"));
                assertEquals(0, agent.stop());
                String published = agent.awaitStderr(l -> l.matches("vigil: \\d+ events; \\d+ records delivered to Kafka, .* \\d+ failed.*"));
                assertTrue(published.endsWith(", 0 failed"), published);
                // the stopped agent's host turns silent once two of its (1 s) heartbeats are overdue
                JsonNode after = health;
                for (int i = 0; i < 50 && !after.path("hosts").path("fleet-host-1").path("silent").asBoolean(false); i++) {
                    Thread.sleep(200);
                    after = new com.fasterxml.jackson.databind.ObjectMapper().readTree(http.send(java.net.http.HttpRequest.newBuilder(
                                    java.net.URI.create("http://" + at.group(1) + "/api/health"))
                            .header("Authorization", "Bearer " + at.group(2)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body());
                }
                assertTrue(after.path("hosts").path("fleet-host-1").path("silent").asBoolean(false), "fleet-host-1 silent: " + after);
                assertTrue(after.path("hosts_silent").asLong() >= 1, after.toString());
                assertEquals(0, server.stop());
                String summary = server.awaitStderr(l -> l.matches("vigil: \\d+ events from \\d+ hosts, \\d+ alerts.*"));
                assertTrue(summary.contains("from 3 hosts"), summary); // fleet-host-1, replayed-host, hostile-host
                assertTrue(summary.contains("; 4 records not JSON objects, skipped; 1 events of an unknown schema, skipped"), summary);
            }
        }
    }

    /** The console's Hosts page in Debian's Chromium: offered in the menu, both hosts listed, fleet-host-1 with its alert count. */
    private static void hostsPageInABrowser(String base, String token) {
        if (!Files.isExecutable(Path.of("/usr/bin/chromium")) || !Files.isExecutable(Path.of("/usr/bin/chromedriver"))) {
            if ("true".equals(System.getenv("CI"))) {
                org.junit.jupiter.api.Assertions.fail("Chromium and chromedriver are needed (./vigil test installs them)");
            }
            return;
        }
        var options = new org.openqa.selenium.chrome.ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage");
        var service = new org.openqa.selenium.chrome.ChromeDriverService.Builder().usingDriverExecutable(new java.io.File("/usr/bin/chromedriver")).build();
        org.openqa.selenium.WebDriver browser = new org.openqa.selenium.chrome.ChromeDriver(service, options);
        try {
            var wait = new org.openqa.selenium.support.ui.WebDriverWait(browser, java.time.Duration.ofSeconds(20));
            browser.get(base);
            browser.findElement(org.openqa.selenium.By.id("token")).sendKeys(token);
            browser.findElement(org.openqa.selenium.By.cssSelector("#login-form button")).click();
            wait.until(d -> d.findElement(org.openqa.selenium.By.id("nav-hosts")).isDisplayed());
            browser.findElement(org.openqa.selenium.By.id("nav-hosts")).click();
            wait.until(d -> {
                String rows = d.findElement(org.openqa.selenium.By.id("hosts-rows")).getText();
                return rows.contains("fleet-host-1") && rows.contains("replayed-host");
            });
            String row = browser.findElement(org.openqa.selenium.By.cssSelector("#hosts-rows tr[data-host='fleet-host-1']")).getText();
            assertTrue(row.contains(" s ago") && !row.contains("silent") && row.matches("(?s).*\\b[1-9]\\d*$"), row);
        } finally {
            browser.quit();
        }
    }

    /** Garbage on vigil.events under the key hostile-host: bytes that are not JSON, an array, nesting past any limit, no value, fields of the wrong types, a schema from the future. */
    private static void publishHostile(String bootstrap) throws Exception {
        java.util.Properties p = new java.util.Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("key.serializer", org.apache.kafka.common.serialization.StringSerializer.class.getName());
        p.put("value.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        List<byte[]> values = new java.util.ArrayList<>(List.of(new byte[] {(byte) 0xff, (byte) 0xfe, 0, '{'}, "[1,2,3]".getBytes(),
                ("{\"schema\":1,\"x\":" + "{\"x\":".repeat(5000) + "null" + "}".repeat(5000) + "}").getBytes(),
                "{\"schema\":1,\"event\":123,\"ts\":\"x\",\"pid\":\"y\",\"args\":\"z\",\"ancestors\":\"q\",\"nodename\":[1],\"exec_id\":{}}".getBytes(),
                "{\"schema\":99,\"event\":\"execve\"}".getBytes()));
        values.add(null);
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(p)) {
            for (byte[] v : values) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("vigil.events", "hostile-host", v)).get();
            }
        }
    }

    /** What is on vigil.alerts: "KEY VALUE" per record, read from the beginning (for up to 10 s until something is there). */
    private static List<String> localAlerts(String bootstrap) {
        java.util.Properties p = new java.util.Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("key.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class.getName());
        p.put("value.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class.getName());
        List<String> out = new java.util.ArrayList<>();
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<String, String>(p)) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (out.isEmpty() && System.nanoTime() < deadline) {
                var parts = consumer.partitionsFor("vigil.alerts", java.time.Duration.ofSeconds(5)).stream()
                        .map(i -> new org.apache.kafka.common.TopicPartition(i.topic(), i.partition())).toList();
                consumer.assign(parts);
                consumer.seekToBeginning(parts);
                for (int i = 0; i < 5 && out.isEmpty(); i++) {
                    consumer.poll(java.time.Duration.ofMillis(500)).forEach(r -> out.add(r.key() + " " + r.value()));
                }
            }
        }
        return out;
    }

    private static final String SEQUENCE = """
            - rule: Seq one seen
              condition: spawned_process and proc.name = true and proc.args contains vigil-seq-one
              output: "one %proc.cmdline"
              priority: WARNING
            - sequence: Seq one then two
              window: 600s
              steps:
                - condition: spawned_process and proc.name = true and proc.args contains vigil-seq-one
                  key: user.uid
                - condition: spawned_process and proc.name = true and proc.args contains vigil-seq-two
                  key: user.uid
              output: "one then two"
              priority: WARNING
            """;

    private static long count(List<AgentProcess> servers, String rule) {
        return servers.stream().flatMap(s -> s.alerts.stream()).filter(a -> a.path("rule").asText().equals(rule)).count();
    }

    /**
     * Two servers in one group and a sequence whose first step is handled by the first: the first
     * stops, the second takes its partitions over, rebuilds the host's state by replaying the window
     * (raising nothing for it), and raises the sequence on the second step: once, with nothing lost
     * or raised twice. A rule set pushed to the fleet in between is loaded by both.
     */
    @Test
    void aServerTakesOverAnotherOnesHostsAndTheirSequences() throws Exception {
        AgentProcess.requireRoot();
        try (TempDir work = TempDir.create("vigil-fleet")) {
            int port = freePortPair();
            Path rules = work.path().resolve("seq.yaml");
            Files.writeString(rules, SEQUENCE);
            try (LocalBroker broker = LocalBroker.start(work.path().resolve("broker"), port);
                 AgentProcess first = AgentProcess.command(StormTest.serverJvmOptions(), "server", "--kafka", broker.bootstrap(),
                         "--data", work.path().resolve("first").toString(), "--no-console", "--fold", "0", "--add-rules", "--rules", rules.toString());
                 AgentProcess agent = AgentProcess.command(StormTest.jvmOptions(), "agent", "--kafka", broker.bootstrap(),
                         "--host-id", "fleet-host-2", "--heartbeat", "1", "--spool", work.path().resolve("spool").toString())) {
                for (int i = 0; i < 6 && count(List.of(first), "Seq one seen") == 0; i++) { // the first records wait for the topic
                    new ProcessBuilder("/bin/true", "vigil-seq-one").start().waitFor();
                    for (int wait = 0; wait < 50 && count(List.of(first), "Seq one seen") == 0; wait++) {
                        Thread.sleep(200);
                    }
                }
                assertEquals(1, count(List.of(first), "Seq one seen"), "the first step at the first server: " + first.alerts + first.stderr);
                // a rule set pushed to the fleet (the sequence and a marker rule): the running server loads it, and so does one started later
                Path marker = work.path().resolve("marker.yaml");
                Files.writeString(marker, "- rule: Fleet push marker\n  condition: spawned_process and proc.name = true and proc.args contains vigil-push-marker\n"
                        + "  output: \"pushed %proc.cmdline\"\n  priority: WARNING\n");
                List<String> push = new java.util.ArrayList<>(AgentProcess.javaCommand());
                push.addAll(List.of("rules", "push", "--kafka", broker.bootstrap(), "--add-rules", rules.toString(), marker.toString()));
                Process pusher = new ProcessBuilder(push).redirectErrorStream(true).start();
                String pushed = new String(pusher.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                assertEquals(0, pusher.waitFor(), pushed);
                first.awaitStderr(l -> l.contains("rule set pushed") && l.contains("marker.yaml") && l.contains("loaded"));
                try (AgentProcess second = AgentProcess.command(StormTest.serverJvmOptions(), "server", "--kafka", broker.bootstrap(),
                        "--data", work.path().resolve("second").toString(), "--no-console", "--fold", "0", "--add-rules", "--rules", rules.toString())) {
                    second.awaitStderr(l -> l.contains("rule set pushed") && l.contains("marker.yaml") && l.contains("loaded"));
                    int before = second.stderr.size();
                    assertEquals(0, first.stop());
                    // the group settles with the second server alone: it takes the first's partitions and replays their recent past
                    for (int wait = 0; wait < 150 && second.stderr.subList(before, second.stderr.size()).stream()
                            .noneMatch(l -> l.startsWith("vigil: partitions of ") && l.contains("assigned to this server")); wait++) {
                        Thread.sleep(200);
                    }
                    new ProcessBuilder("/bin/true", "vigil-seq-two").start().waitFor();
                    List<AgentProcess> both = List.of(first, second);
                    for (int wait = 0; wait < 150 && count(both, "Seq one then two") == 0; wait++) {
                        Thread.sleep(200);
                    }
                    assertEquals(1, count(both, "Seq one then two"), "the sequence across the takeover: " + second.alerts + second.stderr);
                    // a marker after both steps, on the same host's partition: once its alert is out, the replay is done
                    new ProcessBuilder("/bin/true", "vigil-push-marker").start().waitFor();
                    second.await("Fleet push marker", a -> a.get("output").asText().contains("vigil-push-marker"));
                    assertEquals(1, count(both, "Seq one seen"), "the replayed step raised nothing again: " + second.alerts);
                    assertEquals(1, count(both, "Seq one then two"));
                    assertEquals(0, second.stop());
                }
                // stored once: across both servers' stores, one row for the sequence's alert and one incident holding it
                long rows = 0, incidents = 0;
                for (String name : List.of("first", "second")) {
                    try (dev.vigil.store.Store store = dev.vigil.store.Store.open(work.path().resolve(name));
                         java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + store.file())) {
                        var r = c.createStatement().executeQuery("SELECT count(*), count(DISTINCT incident_id) FROM alerts WHERE rule = 'Seq one then two'");
                        assertTrue(r.next());
                        rows += r.getLong(1);
                        incidents += r.getLong(2);
                    }
                }
                assertEquals(1, rows, "the sequence's alert is stored once");
                // the first server's alert, shared on vigil.alerts, is in the second's store too (each console shows every host's alerts)
                try (dev.vigil.store.Store store = dev.vigil.store.Store.open(work.path().resolve("second"));
                     java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + store.file())) {
                    var r = c.createStatement().executeQuery("SELECT json FROM alerts WHERE rule = 'Seq one seen'");
                    assertTrue(r.next(), "the first server's alert in the second's store");
                    assertTrue(r.getString(1).contains("\"raised_by\":\"server ") && r.getString(1).contains("/first\""), r.getString(1));
                    assertTrue(!r.next(), "once");
                }
                assertEquals(1, incidents, "in one incident");
            }
        }
    }

    /**
     * The broker stops while the agent keeps producing, and comes back: the agent keeps what Kafka
     * cannot take in its spool on disk and sends it in order when the broker is back, and every
     * event is accounted for (delivered, or dropped and counted: here, none).
     */
    @Test
    void aBrokerOutageLosesNothing() throws Exception {
        AgentProcess.requireRoot();
        try (TempDir work = TempDir.create("vigil-fleet")) {
            int port = freePortPair();
            Path brokerDir = work.path().resolve("broker");
            LocalBroker broker = LocalBroker.start(brokerDir, port);
            try (AgentProcess server = AgentProcess.command(StormTest.serverJvmOptions(), "server", "--kafka", broker.bootstrap(),
                         "--data", work.path().resolve("server").toString(), "--no-console");
                 AgentProcess agent = AgentProcess.command(StormTest.jvmOptions(), "agent", "--kafka", broker.bootstrap(),
                         "--host-id", "fleet-host-3", "--heartbeat", "1", "--spool", work.path().resolve("spool").toString(),
                         // a small client buffer, so the spool on disk is what carries the outage
                         "--kafka-property", "buffer.memory=65536", "--kafka-property", "batch.size=16384", "--kafka-property", "delivery.timeout.ms=5000",
                         "--kafka-property", "request.timeout.ms=2000")) {
                Thread.sleep(2000);
                broker.close();
                for (int i = 0; i < 400; i++) {
                    new ProcessBuilder("/bin/true", "vigil-outage-" + i).start().waitFor();
                }
                Thread.sleep(3000);
                broker = LocalBroker.start(brokerDir, port);
                for (int i = 0; i < 100; i++) {
                    new ProcessBuilder("/bin/true", "vigil-after-" + i).start().waitFor();
                }
                Thread.sleep(5000);
                assertEquals(0, agent.stop());
                String published = agent.awaitStderr(l -> l.matches("vigil: \\d+ events; \\d+ records delivered to Kafka, .*"));
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("vigil: (\\d+) events; (\\d+) records delivered to Kafka, (\\d+) spooled to disk while it was away, "
                        + "(\\d+) sent from the spool \\(an earlier run's too\\), (\\d+) dropped from a full spool, (\\d+) failed").matcher(published);
                assertTrue(m.find(), published);
                long events = Long.parseLong(m.group(1));
                assertTrue(Long.parseLong(m.group(3)) > 0, "the spool carried the outage: " + published);
                assertEquals(m.group(3), m.group(4), "all that was spooled was sent: " + published);
                assertEquals("0", m.group(5), published);
                assertEquals("0", m.group(6), published);
                Thread.sleep(3000);
                assertEquals(0, server.stop());
                String summary = server.awaitStderr(l -> l.matches("vigil: \\d+ events from \\d+ hosts.*"));
                long received = Long.parseLong(summary.replaceAll("vigil: (\\d+) events.*", "$1"));
                assertTrue(received >= events, "every event reached the server (at least once): " + summary + " / " + published);
            } finally {
                broker.close();
            }
        }
    }
}
