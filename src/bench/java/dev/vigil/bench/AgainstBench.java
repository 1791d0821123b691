package dev.vigil.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * This build's per-event CPU against another build's vigil.jar, in one JVM: the agent's path
 * ({@link PipelineSlice}) loaded twice, once from each jar, and run in alternating slices, the
 * order turned every round, each slice's CPU read from every thread's schedstat (ns). On this VM
 * two runs of one build read 10 – 20 % apart; two builds side by side in one JVM drift together,
 * so a change of a few percent shows. A third copy of this build beside the first gives the
 * control: how far two copies of the same code read apart in the same run.
 */
final class AgainstBench {
    private AgainstBench() {}

    /**
     * Vigil's classes from `build` (a jar or a classes folder), and {@link PipelineSlice} defined
     * afresh from this jar's bytes, so that it links to them; everything else (the JDK, the
     * libraries both builds use) from the bench's own class path, shared.
     */
    private static final class Isolated extends URLClassLoader {
        Isolated(Path build) throws IOException {
            super(new URL[] {build.toUri().toURL()}, AgainstBench.class.getClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("dev.vigil.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    c = name.equals(PipelineSlice.class.getName()) ? slice(name) : findClass(name);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }

        private Class<?> slice(String name) throws ClassNotFoundException {
            try (InputStream in = AgainstBench.class.getResourceAsStream("PipelineSlice.class")) {
                byte[] b = in.readAllBytes();
                return defineClass(name, b, 0, b.length);
            } catch (IOException | NullPointerException e) {
                throw new ClassNotFoundException(name, e);
            }
        }
    }

    /** This build's agent classes: vigil.jar beside the bench's jar, or the classes folder the bench runs from. */
    static Path thisBuild() throws Exception {
        Path at = Path.of(PipelineSlice.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return Files.isDirectory(at) ? at : at.resolveSibling("vigil.jar");
    }

    static void run(PrintStream out, Path self, Path other, int rounds, boolean smoke) throws Exception {
        if (!Files.exists(other)) {
            throw new IllegalArgumentException("--against " + other + ": no such jar (give the path of a vigil.jar built from another revision)");
        }
        String rules = dev.vigil.agent.RulePaths.stockPack().toString();
        Path[] jars = {self, other.toAbsolutePath(), self};
        IntConsumer[] slices = new IntConsumer[jars.length];
        ClassLoader caller = Thread.currentThread().getContextClassLoader();
        for (int v = 0; v < jars.length; v++) {
            Isolated loader = new Isolated(jars[v]);
            Thread.currentThread().setContextClassLoader(loader);
            slices[v] = (IntConsumer) loader.loadClass(PipelineSlice.class.getName()).getConstructor(String.class).newInstance(rules);
        }
        Thread.currentThread().setContextClassLoader(caller);
        int n = smoke ? 500 : 10_000, counted = smoke ? 2 : Math.max(20, rounds * 5);
        double[][] us = new double[jars.length][counted];
        try {
            for (int round = -3; round < counted; round++) { // the first rounds compile each copy's path
                for (int k = 0; k < jars.length; k++) {
                    int v = (k + Math.floorMod(round, jars.length)) % jars.length;
                    long cpu = processNs();
                    slices[v].accept(n);
                    if (round >= 0) {
                        us[v][round] = (processNs() - cpu) / 1e3 / n;
                    }
                }
            }
        } finally {
            for (IntConsumer slice : slices) {
                ((AutoCloseable) slice).close();
            }
        }
        double[] versus = new double[counted], control = new double[counted];
        for (int r = 0; r < counted; r++) { // each round's slices ran side by side: their ratio leaves out the drift between rounds
            versus[r] = us[1][r] / us[0][r];
            control[r] = us[2][r] / us[0][r];
        }
        out.printf("against %s: agent CPU per event over %d rounds of %d records each (a build's execs and files), this build's jvm options%n",
                other.getFileName(), counted, n);
        out.printf("  this build %.2f µs, %s %.2f µs (medians)%n", median(us[0]), other.getFileName(), median(us[1]));
        double[] v = medianInterval(versus), c = medianInterval(control);
        out.printf("  %s against this build, paired by round: %.3f× (95 %% interval of the median %.3f – %.3f)%n", other.getFileName(),
                median(versus), v[0], v[1]);
        out.printf("  control, this build against itself: %.3f× (%.3f – %.3f): a difference inside this is none%n", median(control), c[0], c[1]);
    }

    /** This process's CPU so far (ns), over its living threads. */
    private static long processNs() {
        return ThreadCpu.of(ProcessHandle.current().pid()).stream().mapToLong(ThreadCpu::ns).sum();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    /**
     * A 95 % interval for the median, from the order statistics alone (no assumption on the
     * rounds' spread): the values ranked n/2 ∓ 0.98·√n.
     */
    static double[] medianInterval(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int half = (int) Math.ceil(0.98 * Math.sqrt(s.length));
        return new double[] {s[Math.max(0, s.length / 2 - half)], s[Math.min(s.length - 1, s.length / 2 + half)]};
    }
}
