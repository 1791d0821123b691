package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.agent.RaspIntake;
import dev.vigil.rasp.HotSpotAttach;
import dev.vigil.rasp.Jvm;
import dev.vigil.sink.Escape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code vigil rasp}: the Java processes on this host and what the JVM RASP made of each, from the
 * running agent's state and /proc (no root needed to read); {@code vigil rasp detach PID} puts a
 * JVM's original classes back (root).
 */
@Command(name = "rasp", description = "List the JVMs on this host: pid, user, Java version, main class, attached or not and why,"
        + " hooks, events sent and dropped.", subcommands = {RaspCommand.Detach.class})
final class RaspCommand implements Callable<Integer> {
    @Override
    public Integer call() throws IOException {
        JsonNode state = readState();
        boolean running = state != null && state.path("running").asBoolean() && ProcessHandle.of(state.path("agent_pid").asLong()).isPresent();
        Map<Integer, JsonNode> known = new HashMap<>();
        if (state != null) {
            for (JsonNode j : state.path("jvms")) {
                known.put(j.path("pid").asInt(), j);
            }
        }
        List<Jvm> jvms = new java.util.ArrayList<>(Jvm.all());
        // another user's processes hide their program from a user who is not root: the agent's state still names them
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        jvms.forEach(j -> seen.add(j.pid()));
        System.out.println(running ? "vigil run (pid " + state.path("agent_pid").asLong() + ") has the RASP on this host"
                : "vigil run is not running: no JVM is watched from the inside");
        System.out.printf("%-8s %-10s %-8s %-10s %-7s %-8s %-9s %s%n", "PID", "USER", "JAVA", "STATUS", "HOOKS", "EVENTS", "DROPPED", "MAIN / WHY");
        for (JsonNode s : known.values()) {
            if (!seen.contains(s.path("pid").asInt()) && s.path("pid").asLong() != ProcessHandle.current().pid()
                    && ProcessHandle.of(s.path("pid").asLong()).isPresent()) {
                System.out.printf("%-8d %-10s %-8s %-10s %-7s %-8s %-9s %s%n", s.path("pid").asInt(), Escape.line(s.path("user").asText()),
                        Escape.line(s.path("version").asText()), s.path("status").asText(), s.path("hooks").size(), s.path("events").asLong(),
                        s.path("jvm").path("dropped").asLong(), Escape.line(s.path("main").asText()
                                + (s.path("reason").asText().isEmpty() ? "" : " (" + s.path("reason").asText() + ")")));
            }
        }
        for (Jvm j : jvms) {
            JsonNode s = known.get(j.pid());
            boolean same = s != null && s.path("start").asLong() == j.startTime();
            String status = !same ? (running ? "pending" : "-") : s.path("status").asText();
            if (same && status.equals("attached") && !s.path("connected").asBoolean(false)) {
                status = "attaching";
            }
            String why = same && !s.path("reason").asText().isEmpty() ? " (" + s.path("reason").asText() + ")" : "";
            System.out.printf("%-8d %-10s %-8s %-10s %-7s %-8s %-9s %s%n", j.pid(), Escape.line(user(j, s)), Escape.line(j.version()),
                    status, same ? s.path("hooks").size() : 0, same ? s.path("events").asLong() : 0,
                    same ? s.path("jvm").path("dropped").asLong() : 0, Escape.line(j.main() + why));
        }
        return 0;
    }

    private static String user(Jvm j, JsonNode s) {
        return s != null && !s.path("user").asText().isEmpty() ? s.path("user").asText() : Integer.toString(j.uid());
    }

    static JsonNode readState() {
        try {
            return new ObjectMapper().readTree(Files.readString(RaspIntake.STATE));
        } catch (IOException | RuntimeException none) {
            return null;
        }
    }

    @Command(name = "detach", description = "Put the original classes of JVM PID back (root): it keeps running; vigil run attaches to it again when it restarts.")
    static final class Detach implements Callable<Integer> {
        @Parameters(paramLabel = "PID")
        int pid;

        @Override
        public Integer call() {
            Jvm j = Jvm.of(pid).orElseThrow(() -> new IllegalArgumentException("no Java process with pid " + pid + " (vigil rasp lists them)"));
            if (!Files.isReadable(RaspIntake.DIR.resolve("vigil-rasp-agent.jar"))) {
                throw new IllegalArgumentException(RaspIntake.DIR + " has no RASP: nothing was attached on this host");
            }
            String dir = j.ownFilesystem() ? "/tmp/.vigil-rasp" : RaspIntake.DIR.toString();
            try {
                HotSpotAttach.load(j, dir + "/vigil-rasp-agent.jar", "detach");
            } catch (HotSpotAttach.AttachException e) {
                throw new IllegalArgumentException("JVM " + pid + " not detached: " + e.getMessage());
            }
            System.out.println("JVM " + pid + ": original classes back");
            return 0;
        }
    }
}
