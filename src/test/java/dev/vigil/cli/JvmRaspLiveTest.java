package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JVM RASP live: `vigil run` attaches to real JVMs (Debian's OpenJDK 17 started before it,
 * Temurin 25 started after it, one of another user), the vulnerable application is attacked through
 * HTTP, and each attack must come out as its stock alert with the Java stack and the request.
 */
class JvmRaspLiveTest {
    private static AgentProcess agent;
    private static VulnerableJvm before17;
    private static final List<AutoCloseable> open = new ArrayList<>();
    /** The test's own JVMs (surefire, Maven) are never the RASP's business here. */
    static final String[] EXCLUDE_BUILD = {"--rasp-exclude", "*surefire*", "--rasp-exclude", "org.codehaus.plexus.classworlds.launcher.Launcher"};

    @BeforeAll
    static void start() throws Exception {
        AgentProcess.requireRoot();
        before17 = VulnerableJvm.start(VulnerableJvm.JAVA_17, null);
        open.add(before17);
        agent = AgentProcess.start(args());
        before17.awaitState(j -> j.path("status").asText().equals("attached") && j.path("connected").asBoolean(), "attached");
    }

    static String[] args(String... more) {
        List<String> a = new ArrayList<>(List.of("--rasp=on", "--no-store", "--no-console", "--fold", "0"));
        a.addAll(List.of(EXCLUDE_BUILD));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @AfterAll
    static void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    private static boolean stackHas(JsonNode event, String frame) {
        for (JsonNode f : event.path("jvm_stack")) {
            if (f.asText().startsWith(frame)) {
                return true;
            }
        }
        return false;
    }

    private static JsonNode event(JsonNode alert) {
        return alert.path("events").path(0);
    }

    @Test
    void attachesWithoutRestartAndListsTheJvm() throws Exception {
        JsonNode s = before17.awaitState(j -> j.path("hooks").size() > 0, "reported its hooks");
        assertTrue(s.path("version").asText().startsWith("17"), s.toString());
        assertEquals("dev.vigil.testapp.VulnerableApp", s.path("main").asText());
        assertTrue(s.path("hooks").toString().contains("java.lang.ProcessImpl.start"), s.toString());
        Process list = new ProcessBuilder(withArgs(AgentProcess.javaCommand(), "rasp")).redirectErrorStream(true).start();
        String out = new String(list.getInputStream().readAllBytes());
        assertTrue(list.waitFor(30, TimeUnit.SECONDS));
        assertTrue(out.lines().anyMatch(l -> l.startsWith(before17.pid() + " ") && l.contains("attached") && l.contains("VulnerableApp")), out);
    }

    private static List<String> withArgs(List<String> cmd, String... args) {
        List<String> out = new ArrayList<>(cmd);
        out.addAll(List.of(args));
        return out;
    }

    @Test
    void commandInjectionNamesTheRequestAndTheHandler() throws Exception {
        before17.get("/exec?cmd=" + VulnerableJvm.encode("echo vigil-rasp-injection"));
        JsonNode a = agent.await("Java command started while serving a request",
                x -> event(x).path("jvm_args").toString().contains("vigil-rasp-injection"));
        JsonNode e = event(a);
        assertEquals("GET", e.path("http_method").asText());
        assertTrue(e.path("http_url").asText().startsWith("/exec?cmd="), e.toString());
        assertTrue(e.path("http_remote").asText().startsWith("127.0.0.1:"), e.toString());
        assertTrue(stackHas(e, "dev.vigil.testapp.VulnerableApp.serve"), e.toString());
        assertEquals(before17.pid(), e.path("pid").asLong());
        long tid = e.path("tid").asLong();
        assertTrue(tid != before17.pid() && java.nio.file.Files.exists(java.nio.file.Path.of("/proc", Long.toString(before17.pid()), "task", Long.toString(tid))),
                "the serving thread's id as the kernel knows it: " + e);
    }

    @Test
    void reverseShellFromAHandlerCarriesItsJavaStack() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            before17.reverseShellTo(listener);
            try (Socket s = listener.accept()) {
                s.getOutputStream().write("exit\n".getBytes());
                JsonNode a = agent.await("Reverse shell", x -> event(x).path("jvm_pid").asLong() == before17.pid());
                JsonNode e = event(a);
                assertEquals("execve", e.path("event").asText());
                assertTrue(stackHas(e, "dev.vigil.testapp.VulnerableApp.serve"), "the kernel's alert names the handler: " + e);
                assertTrue(e.path("http_url").asText().startsWith("/exec?cmd="), e.toString());
            }
        }
    }

    @Test
    void jndiLookupOfARemoteUrlEvenWhenItFails() throws Exception {
        String answer = before17.get("/jndi?name=" + VulnerableJvm.encode("ldap://127.0.0.1:1/vigil-log4shell"));
        assertTrue(answer.contains("NamingException") || answer.contains("CommunicationException"), answer);
        JsonNode a = agent.await("JNDI lookup of a remote URL", x -> event(x).path("jvm_target").asText().contains("vigil-log4shell"));
        assertTrue(event(a).path("jvm_stack_marks").toString().contains("jndi"), a.toString());
        before17.get("/jndi?name=" + VulnerableJvm.encode("rmi://127.0.0.1:1/vigil-rmi"));
        agent.await("JNDI lookup of a remote URL", x -> event(x).path("jvm_target").asText().contains("vigil-rmi"));
    }

    @Test
    void gadgetStartingAProcessInsideReadObject() throws Exception {
        before17.post("/deserialize", JavaAttackCorpusTest.gadget("dev.vigil.testapp.Gadget", "echo vigil-gadget"));
        JsonNode a = agent.await("Java command started by an exploit chain", x -> event(x).path("jvm_args").toString().contains("vigil-gadget"));
        assertTrue(event(a).path("jvm_stack_marks").toString().contains("deserialization"), a.toString());
        assertTrue(stackHas(event(a), "dev.vigil.testapp.Gadget.readObject"), a.toString());
    }

    @Test
    void classDefinedFromBytesThatStartsAProcess() throws Exception {
        before17.get("/define?cmd=" + VulnerableJvm.encode("echo vigil-memory-class"));
        JsonNode a = agent.await("In-memory Java class acting", x -> event(x).path("jvm_args").toString().contains("vigil-memory-class"));
        assertTrue(event(a).path("jvm_memory_classes").toString().contains("dev.vigil.testapp.Payloads$Shell"), a.toString());
    }

    @Test
    void springAndOgnlExpressionsThatReachForCodeButNotOrdinaryOnes() throws Exception {
        assertEquals("VIGIL-SPEL-ORDINARY", before17.get("/spel?expr=" + VulnerableJvm.encode("'vigil-spel-ordinary'.toUpperCase()")));
        assertEquals("20", before17.get("/ognl?expr=" + VulnerableJvm.encode("'vigil-ognl-ordinary'.length() + 1")));
        before17.get("/spel?expr=" + VulnerableJvm.encode("T(java.lang.Runtime).getRuntime().exec('echo vigil-spel-injected')"));
        JsonNode spel = agent.await("Expression language injection", x -> x.toString().contains("vigil-spel-injected"));
        assertEquals("spel", event(spel).path("jvm_op").asText());
        JsonNode chain = agent.await("Java command started by an exploit chain", x -> event(x).path("jvm_args").toString().contains("vigil-spel-injected"));
        assertTrue(stackHas(event(chain), "org.springframework.expression.spel"), chain.toString());
        before17.get("/ognl?expr=" + VulnerableJvm.encode("@java.lang.Runtime@getRuntime().exec('echo vigil-ognl-injected')"));
        JsonNode ognl = agent.await("Expression language injection", x -> x.toString().contains("vigil-ognl-injected"));
        assertEquals("ognl", event(ognl).path("jvm_op").asText()); // OGNL 3.4 itself then refuses to run Runtime.exec: the attempt is the alert
        // the ordinary expressions were compiled by the same JVM before the injected ones: had they been reported, they would be here
        assertFalse(agent.alerts.stream().anyMatch(x -> x.toString().contains("vigil-spel-ordinary") || x.toString().contains("vigil-ognl-ordinary")),
                agent.alerts.toString());
    }

    @Test
    void aLibrarysGeneratedClassIsNotAnInMemoryShell() throws Exception {
        try (ServerSocket service = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        service.accept().close();
                    }
                } catch (Exception closed) {
                    // the test is over
                }
            });
            // a ByteBuddy proxy (defined from bytes, no class file) doing the application's I/O, then a class a payload defines doing the same
            assertEquals("proxied", before17.get("/proxy?host=127.0.0.1&port=" + service.getLocalPort() + "&name=vigil-proxy-io.txt"));
            before17.get("/define?cmd=" + VulnerableJvm.encode("echo vigil-after-proxy"));
            JsonNode payload = agent.await("In-memory Java class acting", x -> event(x).path("jvm_args").toString().contains("vigil-after-proxy"));
            assertFalse(event(payload).path("jvm_memory_classes").toString().contains("ByteBuddy"), payload.toString());
            assertFalse(agent.alerts.stream().anyMatch(x -> event(x).path("jvm_target").asText().equals("127.0.0.1:" + service.getLocalPort())
                    || x.toString().contains("vigil-proxy-io")), agent.alerts.toString());
        } finally {
            Files.deleteIfExists(before17.webroot.resolve("vigil-proxy-io.txt"));
        }
    }

    @Test
    void nativeLibraryFromTmp() throws Exception {
        Path dir = Files.createTempDirectory("vigil-rasp-native");
        Path lib = dir.resolve("libvigil-test.so");
        try {
            Files.copy(Path.of("/lib/x86_64-linux-gnu/libz.so.1"), lib);
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            before17.get("/load?lib=" + VulnerableJvm.encode(lib.toString()));
            agent.await("Java native library loaded from a writable directory", x -> event(x).path("jvm_target").asText().equals(lib.toString()));
        } finally {
            Files.deleteIfExists(lib);
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void webShellDropAndTraversalButNotOrdinaryFiles() throws Exception {
        before17.get("/read?file=index.html");
        before17.post("/upload?name=notes.txt", "ordinary".getBytes());
        before17.post("/upload?name=vigil-shell.jsp", "<% Runtime.getRuntime().exec(request.getParameter(\"c\")); %>".getBytes());
        JsonNode drop = agent.await("Web shell written by a Java process", x -> event(x).path("jvm_target").asText().endsWith("/vigil-shell.jsp"));
        assertTrue(event(drop).path("http_url").asText().startsWith("/upload"), drop.toString());
        before17.get("/read?file=" + VulnerableJvm.encode("../".repeat(16) + "etc/shadow")); // past the root, wherever the clone is
        agent.await("Path traversal in a Java file access", x -> event(x).path("jvm_target").asText().equals("/etc/shadow"));
        agent.await("Secret file read by a Java request", x -> event(x).path("jvm_target").asText().equals("/etc/shadow"));
        // the ordinary read and write came before the marks above on the same thread of the same JVM: had they been reported, they would be here
        assertFalse(agent.alerts.stream().anyMatch(x -> event(x).path("jvm_target").asText().endsWith("index.html")
                || event(x).path("jvm_target").asText().endsWith("notes.txt")), agent.alerts.toString());
    }

    @Test
    void jvmStartedLaterAndJvmOfAnotherUser() throws Exception {
        // the agent's own folder is private (0700) once it has written a file of its own there: the RASP's jar must not be under it
        dev.vigil.sink.OwnFiles.privateDir();
        try (VulnerableJvm later25 = VulnerableJvm.start(VulnerableJvm.JAVA_25, null);
             VulnerableJvm nobody17 = VulnerableJvm.start(VulnerableJvm.JAVA_17, "65534")) {
            JsonNode s25 = later25.awaitState(j -> j.path("status").asText().equals("attached") && j.path("connected").asBoolean(), "attached");
            assertTrue(s25.path("version").asText().startsWith("25"), s25.toString());
            JsonNode sNobody = nobody17.awaitState(j -> j.path("status").asText().equals("attached") && j.path("connected").asBoolean(), "attached");
            assertEquals(65534, sNobody.path("uid").asInt());
            later25.get("/exec?cmd=" + VulnerableJvm.encode("echo vigil-rasp-25"));
            agent.await("Java command started while serving a request", x -> event(x).path("jvm_args").toString().contains("vigil-rasp-25")
                    && event(x).path("jvm_version").asText().startsWith("25"));
            nobody17.get("/jndi?name=" + VulnerableJvm.encode("ldap://127.0.0.1:1/vigil-nobody"));
            JsonNode a = agent.await("JNDI lookup of a remote URL", x -> event(x).path("jvm_target").asText().contains("vigil-nobody"));
            assertEquals("nobody", event(a).path("username").asText());
        }
    }

    @Test
    void aJvmThatRefusesAttachIsReportedWithTheReason() throws Exception {
        try (VulnerableJvm closed = VulnerableJvm.start(VulnerableJvm.JAVA_17, null, "-XX:+DisableAttachMechanism")) {
            JsonNode s = closed.awaitState(j -> j.path("status").asText().equals("failed"), "was reported failed");
            assertTrue(s.path("reason").asText().contains("DisableAttachMechanism"), s.toString());
            assertEquals("hello", closed.get("/"), "it serves on, untouched");
        }
    }

    @Test
    void ordinaryWorkOfAJavaApplicationStaysSilent() throws Exception {
        assertEquals("hello", before17.get("/"));
        assertTrue(before17.get("/read?file=index.html").contains("hello"));
        assertEquals("exit 0", before17.get("/schedule?cmd=" + VulnerableJvm.encode("true vigil-admin-helper")));
        assertTrue(before17.get("/jndi?name=" + VulnerableJvm.encode("java:comp/env/vigil-admin")).contains("Exception"));
        java.io.ByteArrayOutputStream plain = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(plain)) {
            out.writeObject(new java.util.ArrayList<>(List.of("vigil-admin-data", 1, 2.0)));
        }
        assertTrue(before17.post("/deserialize", plain.toByteArray()).contains("vigil-admin-data"), "plain data read back");
        assertEquals("loaded", before17.get("/load?lib=" + VulnerableJvm.encode("/lib/x86_64-linux-gnu/libz.so.1")));
        assertEquals("connected", before17.get("/connect?host=127.0.0.1&port=" + before17.port + "&t=vigil-admin-connect"));
        before17.get("/exec?cmd=" + VulnerableJvm.encode("echo vigil-admin-marker"));
        agent.await("Java command started while serving a request", x -> event(x).path("jvm_args").toString().contains("vigil-admin-marker"));
        // the marker came after the admin work, from the same JVM: an alert on that work would have come before it
        List<String> noise = agent.alerts.stream().filter(x -> x.toString().contains("vigil-admin-helper") || x.toString().contains("vigil-admin\"")
                || x.toString().contains("index.html") || x.toString().contains("vigil-admin-data") || x.toString().contains("libz.so.1\"")
                || x.toString().contains("vigil-admin-connect")).map(x -> x.path("output").asText()).toList();
        assertTrue(noise.isEmpty(), noise.toString());
    }

    @Test
    void memoryWebShellsInEmbeddedTomcat() throws Exception {
        try (VulnerableJvm tomcat = VulnerableJvm.tomcat(VulnerableJvm.JAVA_17)) {
            tomcat.awaitState(j -> j.path("status").asText().equals("attached") && j.path("connected").asBoolean(), "attached");
            tomcat.get("/exec?cmd=" + VulnerableJvm.encode("echo vigil-tomcat"));
            JsonNode injected = agent.await("Java command started while serving a request", x -> x.toString().contains("vigil-tomcat"));
            assertTrue(event(injected).path("http_handler").asText().startsWith("dev.vigil.testapp.TomcatApp"), injected.toString());
            assertEquals("filter", tomcat.get("/inject-filter"));
            JsonNode shell = agent.await("Memory web shell registered", x -> event(x).path("jvm_target").asText().equals("dev.vigil.testapp.MemoryFilter"));
            assertEquals("/inject-filter", event(shell).path("http_url").asText());
            assertTrue(tomcat.get("/?vigil-cmd=" + VulnerableJvm.encode("echo vigil-memshell")).startsWith("exit 0"));
            JsonNode acting = agent.await("In-memory Java class acting", x -> x.toString().contains("vigil-memshell"));
            assertTrue(event(acting).path("jvm_memory_classes").toString().contains("dev.vigil.testapp.MemoryFilter"), acting.toString());
            assertTrue(event(acting).path("http_url").asText().contains("vigil-cmd="), "a filter's work is in its request: " + acting);
            assertEquals("valve", tomcat.get("/inject-valve"));
            agent.await("Web component registered while serving a request", x -> event(x).path("jvm_op").asText().equals("valve"));
            assertEquals("vigil-el-ordinary", tomcat.get("/el?expr=" + VulnerableJvm.encode("'vigil-el-' += 'ordinary'")));
            tomcat.get("/el?expr=" + VulnerableJvm.encode("\"\".getClass().forName(\"java.lang.Runtime\").getMethod(\"getRuntime\").invoke(null)"
                    + ".exec(\"echo vigil-el-injected\")"));
            JsonNode el = agent.await("Expression language injection", x -> x.toString().contains("vigil-el-injected"));
            assertEquals("el", event(el).path("jvm_op").asText());
            agent.await("Java command started by an exploit chain", x -> x.toString().contains("vigil-el-injected")
                    && event(x).path("jvm_stack_marks").toString().contains("expression"));
            assertFalse(agent.alerts.stream().anyMatch(x -> x.toString().contains("vigil-el-ordinary")), "an ordinary expression is not reported");
        }
    }

    @Test
    void aStrangerOnTheSocketIsNotHeardAndHostileArgumentsArriveIntact() throws Exception {
        try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.connect(java.net.UnixDomainSocketAddress.of(dev.vigil.agent.RaspIntake.DIR.resolve("rasp.sock")));
            ch.write(java.nio.ByteBuffer.wrap(("{\"hello\":1,\"token\":\"forged\"}\n{\"event\":\"jvm_jndi\",\"target\":\"ldap://forged/vigil-stranger\"}\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            java.nio.ByteBuffer in = java.nio.ByteBuffer.allocate(64);
            assertEquals(-1, ch.read(in), "the agent closes a connection whose hello shows no token it gave");
        }
        String hostile = "vigil-hostile \"q\" \\ \t \u00e9 \u2028 \u2713 $(id) `id`";
        before17.get("/exec-builder?cmd=" + VulnerableJvm.encode("echo " + hostile.replace(' ', '_')));
        JsonNode a = agent.await("Java command started while serving a request", x -> x.toString().contains("vigil-hostile"));
        assertEquals("echo", event(a).path("jvm_args").path(0).asText());
        assertEquals(hostile.replace(' ', '_'), event(a).path("jvm_args").path(1).asText(), "every character as the application passed it");
        assertFalse(agent.alerts.stream().anyMatch(x -> x.toString().contains("vigil-stranger")), "the stranger's event was never read");
    }
}
