package dev.vigil.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The team's attack corpus (src/test/resources/attack-corpus.yaml: procedures across ATT&CK for
 * Linux) and admin corpus (admin-corpus.yaml) under one 'vigil run' with the stock pack: at
 * least 95% of the attacks raise an alert from their own process tree, and no admin activity
 * raises any. The table of what each raised is written to target/attack-corpus.md.
 */
class AttackCorpusTest {
    @Test
    void theStockPackCatchesTheCorpusAndStaysQuietOnAdminWork() throws Exception {
        List<Corpus.Procedure> attacks = Corpus.load("attack-corpus.yaml");
        List<Corpus.Procedure> admin = Corpus.load("admin-corpus.yaml");
        assertTrue(attacks.size() >= 80, "the corpus holds " + attacks.size() + " procedures");
        assertTrue(admin.size() >= 40, "the admin corpus holds " + admin.size() + " activities");
        assertEquals(attacks.size(), attacks.stream().map(Corpus.Procedure::id).distinct().count(), "ids are unique");
        List<Long> attackRoots = new ArrayList<>(), adminRoots = new ArrayList<>();
        // credential stores exist on a host before anyone steals from them
        List<Path> made = new ArrayList<>();
        for (String d : List.of("/root/.ssh", "/root/.aws", "/root/.docker")) {
            if (!Files.isDirectory(Path.of(d))) {
                made.add(Files.createDirectories(Path.of(d)));
            }
        }
        // the container procedures' runtime and image (docker.io, an image of busybox-static)
        try (dev.vigil.enrich.RealDocker docker = dev.vigil.enrich.RealDocker.start();
             AgentProcess agent = AgentProcess.start(); Corpus corpus = new Corpus()) {
            for (Corpus.Procedure p : admin) {
                adminRoots.add(corpus.run(p));
            }
            for (Corpus.Procedure p : attacks) {
                attackRoots.add(corpus.run(p));
            }
            // a marker after every procedure: once its alert is out, every alert of the procedures before it is too
            agent.await(Corpus.MARKER_RULE, Corpus.marker());
            List<Corpus.Ran> ranAttacks = new ArrayList<>(), ranAdmin = new ArrayList<>();
            for (int i = 0; i < attacks.size(); i++) {
                ranAttacks.add(new Corpus.Ran(attacks.get(i), attackRoots.get(i), Corpus.alertsOf(agent.alerts, attackRoots.get(i), Corpus.containerName(attacks.get(i)))));
            }
            for (int i = 0; i < admin.size(); i++) {
                ranAdmin.add(new Corpus.Ran(admin.get(i), adminRoots.get(i), Corpus.alertsOf(agent.alerts, adminRoots.get(i), Corpus.containerName(admin.get(i)))));
            }
            String report = Corpus.report("Attack corpus", ranAttacks) + "\n" + Corpus.report("Admin corpus", ranAdmin);
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target/attack-corpus.md"), report);
            Files.write(Path.of("target/attack-corpus-alerts.jsonl"), agent.alerts.stream().map(Object::toString).toList());
            System.err.println(report);
            List<String> missed = ranAttacks.stream().filter(r -> r.rules().isEmpty()).map(r -> r.p().id()).toList();
            long caught = ranAttacks.size() - missed.size();
            String noisy = ranAdmin.stream().filter(r -> !r.rules().isEmpty()).map(r -> r.p().id() + " " + r.rules())
                    .collect(Collectors.joining("; "));
            assertEquals("", noisy, "admin work raised alerts");
            List<String> unproved = ranAttacks.stream().filter(r -> !r.p().expect().isEmpty() && !r.rules().contains(r.p().expect()))
                    .map(r -> r.p().id() + " (wants \"" + r.p().expect() + "\", got " + r.rules() + ")").toList();
            assertEquals(List.of(), unproved, "procedures without the detection they are there to prove");
            assertTrue(caught * 100 >= 95L * ranAttacks.size(), "caught " + caught + " of " + ranAttacks.size() + "; missed: " + missed);
            assertEquals(0, agent.stop());
        } finally {
            for (Path d : made) {
                new ProcessBuilder("rm", "-rf", d.toString()).start().waitFor();
            }
        }
    }
}
