package dev.vigil.bench;

import com.sun.net.httpserver.HttpServer;

import java.io.FileInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The RASP bench's web application, in a JVM of its own: each request reads a file and opens a
 * loopback connection, every 100th starts a process. /opens?n=N times N opens of an ordinary file
 * (a hooked call the RASP filters in the JVM and reports nothing of) and answers ns per open.
 * Prints "ready PORT".
 */
public final class RaspBenchApp {
    private RaspBenchApp() {}

    public static void main(String[] args) throws Exception {
        Path file = Files.createTempFile(Path.of(args[0]), "page", ".html");
        Files.writeString(file, "<p>" + "x".repeat(2000) + "</p>");
        ServerSocket peer = new ServerSocket(0, 512, java.net.InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().start(() -> {
            while (true) {
                try {
                    peer.accept().close();
                } catch (Exception e) {
                    return;
                }
            }
        });
        AtomicLong served = new AtomicLong();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
        server.createContext("/", ex -> {
            byte[] body;
            try {
                if (ex.getRequestURI().getPath().equals("/connects")) {
                    int n = Integer.parseInt(ex.getRequestURI().getQuery().substring(2));
                    long t0 = System.nanoTime();
                    for (int i = 0; i < n; i++) {
                        try (Socket s = new Socket()) {
                            s.connect(peer.getLocalSocketAddress(), 1000);
                        }
                    }
                    body = Long.toString((System.nanoTime() - t0) / n).getBytes(StandardCharsets.UTF_8);
                } else if (ex.getRequestURI().getPath().equals("/opens")) {
                    int n = Integer.parseInt(ex.getRequestURI().getQuery().substring(2));
                    long t0 = System.nanoTime();
                    for (int i = 0; i < n; i++) {
                        try (InputStream in = new FileInputStream(file.toFile())) {
                            in.read();
                        }
                    }
                    body = Long.toString((System.nanoTime() - t0) / n).getBytes(StandardCharsets.UTF_8);
                } else {
                    body = Files.readAllBytes(file);
                    try (Socket s = new Socket()) {
                        s.connect(peer.getLocalSocketAddress(), 1000);
                    }
                    if (served.incrementAndGet() % 100 == 0) {
                        new ProcessBuilder("/bin/true").start().waitFor();
                    }
                }
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            } catch (Exception e) {
                ex.sendResponseHeaders(500, -1);
            } finally {
                ex.close();
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.start();
        System.out.println("ready " + server.getAddress().getPort());
        System.out.flush();
    }
}
