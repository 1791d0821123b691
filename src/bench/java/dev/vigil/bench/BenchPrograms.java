package dev.vigil.bench;

import dev.vigil.cli.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the bench runs besides shell loops, made in a private temporary directory: the paced
 * event generator (flood.c) and the connect loop (connects.c), built with the system's cc, and a
 * small C project with tests for the build workload. Removed on close.
 */
final class BenchPrograms implements AutoCloseable {
    /** Modules in the generated project: enough objects that make -j2 keeps both cores busy. */
    static final int MODULES = 40;

    private final TempDir dir;
    private final Path flood, connects;
    private final Path project;

    private BenchPrograms(TempDir dir, Path flood, Path connects, Path project) {
        this.dir = dir;
        this.flood = flood;
        this.connects = connects;
        this.project = project;
    }

    static BenchPrograms make() throws IOException, InterruptedException {
        TempDir dir = TempDir.create("vigil-bench-programs");
        try {
            Path flood = compile(dir.path(), "flood"), connects = compile(dir.path(), "connects");
            return new BenchPrograms(dir, flood, connects, project(dir.path().resolve("project")));
        } catch (IOException | InterruptedException | RuntimeException e) {
            dir.close();
            throw e;
        }
    }

    /** NAME.c from the classpath, built with the system's cc into `dir`. */
    private static Path compile(Path dir, String name) throws IOException, InterruptedException {
        Path source = dir.resolve(name + ".c");
        try (InputStream in = BenchPrograms.class.getResourceAsStream("/dev/vigil/bench/" + name + ".c")) {
            if (in == null) {
                throw new IOException(name + ".c is not on the classpath: rebuild with ./vigil build");
            }
            Files.copy(in, source);
        }
        Path program = dir.resolve(name);
        cc(List.of("cc", "-O2", "-o", program.toString(), source.toString()));
        return program;
    }

    private static void cc(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out.strip());
        }
    }

    /**
     * `rate` rounds a second in `where`: opens of one file (one event each with the open hook on: the
     * cheapest to make), or with `create`, file creations and removals (one create_file event each).
     */
    List<String> flood(boolean create, long rate, double seconds, Path where) {
        return List.of(flood.toString(), create ? "create" : "open", String.valueOf(rate), String.valueOf(seconds), where.toString());
    }

    /** `n` fork+exec of /bin/true from a shell loop. */
    static List<String> execLoop(int n) {
        return List.of("/bin/sh", "-c", "i=0; while [ $i -lt " + n + " ]; do /bin/true; i=$((i+1)); done");
    }

    /** `count` TCP connects to closed loopback ports (refused at once), from one process. */
    List<String> connectLoop(int count) {
        return List.of(connects.toString(), String.valueOf(count));
    }

    /** A clean build of the project with both cores, then its tests: compilers, assembler, linker, many files. */
    List<String> build() {
        return List.of("/bin/sh", "-c", "make -s -C " + project + " clean && make -s -j2 -C " + project + " test >/dev/null");
    }

    /** MODULES small C files, a test program that calls each, and a Makefile with all, test and clean. */
    private static Path project(Path root) throws IOException {
        Files.createDirectories(root);
        List<String> objects = new ArrayList<>();
        StringBuilder header = new StringBuilder("#pragma once\n");
        StringBuilder test = new StringBuilder("#include <stdio.h>\n#include \"mods.h\"\nint main(void) {\n\tlong sum = 0;\n");
        for (int i = 0; i < MODULES; i++) {
            Files.writeString(root.resolve("m" + i + ".c"), """
                    #include <string.h>
                    #include "mods.h"
                    static int table[64];
                    long m%1$d(const char *s) {
                    \tlong h = %1$d;
                    \tfor (size_t i = 0; i < strlen(s); i++) {
                    \t\ttable[i %% 64] += s[i];
                    \t\th = h * 31 + s[i] + table[(i * 7) %% 64];
                    \t}
                    \treturn h;
                    }
                    """.formatted(i));
            header.append("long m").append(i).append("(const char *s);\n");
            test.append("\tsum += m").append(i).append("(\"vigil\");\n");
            objects.add("m" + i + ".o");
        }
        test.append("\tprintf(\"%ld\\n\", sum);\n\treturn sum == 0;\n}\n");
        Files.writeString(root.resolve("mods.h"), header);
        Files.writeString(root.resolve("test.c"), test);
        Files.writeString(root.resolve("Makefile"), """
                CFLAGS = -O2 -Wall
                OBJS = %s
                all: prog
                prog: test.o $(OBJS)
                \t$(CC) -o $@ $^
                %%.o: %%.c mods.h
                \t$(CC) $(CFLAGS) -c -o $@ $<
                test: prog
                \t./prog
                clean:
                \trm -f prog *.o
                .PHONY: all test clean
                """.formatted(String.join(" ", objects)));
        return root;
    }

    @Override
    public void close() {
        dir.close();
    }
}
