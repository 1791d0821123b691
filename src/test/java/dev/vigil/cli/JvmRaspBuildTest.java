package dev.vigil.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin corpus's JVM build: a Maven build on OpenJDK 17 that forks a helper and javac, attached
 * by the RASP while it runs, raises nothing under the stock pack. A test rule on the build's own
 * process starts shows that the RASP saw them (the build waits, in its first phase, until its JVM is
 * attached). The test's own JVMs (Temurin 25: Maven, surefire) are left alone by their java path.
 */
class JvmRaspBuildTest {
    private static final String SEEN = """
            - rule: Test - a Java build forked javac
              desc: test
              source: jvm
              condition: evt.type = jvm_process and jvm.target endswith /javac
              output: "build %proc.pid forked %jvm.args"
              priority: INFORMATIONAL
            - rule: Test - marker after the build
              desc: test
              condition: evt.type = execve and proc.cmdline contains vigil-build-marker
              output: "marker %proc.cmdline"
              priority: INFORMATIONAL
            """;

    /** Waits until the JVM that runs it (its parent, Maven) is attached, as vigil rasp's state says; 60 s at most. */
    private static final String WAIT_FOR_ATTACH = """
            import json, os, sys, time
            for _ in range(600):
                try:
                    jvms = json.load(open(sys.argv[1]))["jvms"]
                    if any(j["pid"] == os.getppid() and j["status"] == "attached" and j.get("connected") for j in jvms):
                        sys.exit(0)
                except (OSError, ValueError, KeyError):
                    pass
                time.sleep(0.1)
            sys.exit("the build's JVM was not attached in 60 s")
            """;

    private static final String POM = """
            <project xmlns="http://maven.apache.org/POM/4.0.0">
              <modelVersion>4.0.0</modelVersion>
              <groupId>dev.vigil.admin</groupId>
              <artifactId>vigil-admin-build</artifactId>
              <version>1</version>
              <properties>
                <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
              </properties>
              <build>
                <plugins>
                  <plugin>
                    <groupId>org.codehaus.mojo</groupId>
                    <artifactId>exec-maven-plugin</artifactId>
                    <version>3.5.0</version>
                    <executions>
                      <execution>
                        <id>wait-for-attach</id>
                        <phase>validate</phase>
                        <goals><goal>exec</goal></goals>
                        <configuration>
                          <executable>python3</executable>
                          <arguments><argument>wait.py</argument><argument>STATE</argument></arguments>
                        </configuration>
                      </execution>
                    </executions>
                  </plugin>
                  <plugin>
                    <groupId>org.apache.maven.plugins</groupId>
                    <artifactId>maven-resources-plugin</artifactId>
                    <version>2.6</version>
                  </plugin>
                  <plugin>
                    <groupId>org.apache.maven.plugins</groupId>
                    <artifactId>maven-compiler-plugin</artifactId>
                    <version>3.13.0</version>
                    <configuration>
                      <release>17</release>
                      <fork>true</fork>
                    </configuration>
                  </plugin>
                </plugins>
              </build>
            </project>
            """;

    @Test
    void aMavenBuildThatForksJavacStaysSilent() throws Exception {
        AgentProcess.requireRoot();
        Path java17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64");
        try (TempDir work = TempDir.create("vigil-rasp-build")) {
            Path project = work.path().resolve("vigil-admin-build");
            Files.createDirectories(project.resolve("src/main/java/dev/vigil/admin"));
            Files.createDirectories(project.resolve("src/main/resources"));
            Files.writeString(project.resolve("pom.xml"), POM.replace("STATE", dev.vigil.agent.RaspIntake.STATE.toString()));
            Files.writeString(project.resolve("wait.py"), WAIT_FOR_ATTACH);
            Files.writeString(project.resolve("src/main/resources/app.properties"), "greeting=hello\n");
            for (String name : List.of("Main", "Orders", "Invoices")) {
                Files.writeString(project.resolve("src/main/java/dev/vigil/admin/" + name + ".java"),
                        "package dev.vigil.admin;\npublic final class " + name + " {\n    public static String name() { return \"" + name + "\"; }\n}\n");
            }
            Path rules = Files.writeString(work.path().resolve("seen.yaml"), SEEN);
            String[] args = {"--rasp=on", "--no-store", "--no-console", "--fold", "0", "--add-rules", "--rules", rules.toString(),
                    "--rasp-exclude", Path.of(System.getProperty("java.home"), "bin", "java").toString()};
            try (AgentProcess agent = AgentProcess.start(args)) {
                ProcessBuilder mvn = new ProcessBuilder("mvn", "-B", "-q", "--no-transfer-progress", "compile").directory(project.toFile())
                        .redirectErrorStream(true);
                mvn.environment().put("JAVA_HOME", java17.toString());
                mvn.environment().remove("MAVEN_OPTS"); // the outer build's options are for Java 25
                mvn.environment().put("PATH", java17.resolve("bin") + ":" + System.getenv("PATH"));
                Process build = mvn.start();
                String log = new String(build.getInputStream().readAllBytes());
                assertTrue(build.waitFor(300, TimeUnit.SECONDS), log);
                assertEquals(0, build.exitValue(), "mvn compile: " + log);
                assertTrue(Files.exists(project.resolve("target/classes/dev/vigil/admin/Orders.class")), log);
                agent.await("Test - a Java build forked javac", a -> true);
                // every kernel event of the build came before this exec's, and the javac alert after the build JVM's other calls
                assertEquals(0, new ProcessBuilder("/bin/true", "vigil-build-marker").start().waitFor());
                agent.await("Test - marker after the build", a -> true);
                String maven = Long.toString(build.pid()); // Debian's mvn execs java: the build's JVM
                List<String> raised = new ArrayList<>();
                for (var a : agent.alerts) {
                    String text = a.toString();
                    boolean ofTheBuild = text.contains("vigil-admin-build") || text.contains("\"" + maven + ".java") || text.contains("<" + maven + ".java")
                            || a.path("events").path(0).path("pid").asText().equals(maven) || a.path("events").path(0).path("jvm_pid").asText().equals(maven);
                    if (ofTheBuild && !a.path("rule").asText().startsWith("Test - ")) {
                        raised.add(a.path("rule").asText() + ": " + a.path("output").asText());
                    }
                }
                assertTrue(raised.isEmpty(), "a Maven build raised " + raised);
            }
        }
    }
}
