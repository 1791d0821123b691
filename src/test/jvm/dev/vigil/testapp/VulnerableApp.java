package dev.vigil.testapp;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import javax.naming.InitialContext;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The tests' vulnerable web application: each path does one thing an attacker makes a Java
 * application do, with the request's parameters as they come. Runs on Java 17 and later (the
 * tests build it with --release 17) on the JDK's own HTTP server. Prints "ready PORT" when it serves.
 */
public final class VulnerableApp {
    private VulnerableApp() {}

    /** Work the application does off its request threads (a scheduler's), as applications start helpers. */
    private static final java.util.concurrent.ExecutorService JOBS = java.util.concurrent.Executors.newSingleThreadExecutor();

    public static void main(String[] args) throws Exception {
        File webroot = new File(args.length > 1 ? args[1] : "webroot");
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 16);
        server.createContext("/", ex -> serve(ex, webroot));
        server.start();
        System.out.println("ready " + server.getAddress().getPort());
        System.out.flush();
    }

    private static void serve(HttpExchange ex, File webroot) {
        String answer;
        int code = 200;
        try {
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            byte[] body = ex.getRequestBody().readAllBytes();
            switch (ex.getRequestURI().getPath()) {
                case "/exec" -> answer = "exit " + Runtime.getRuntime().exec(new String[] {"sh", "-c", q.get("cmd")}).waitFor();
                case "/exec-builder" -> answer = "exit " + new ProcessBuilder(q.get("cmd").split(" ")).inheritIO().start().waitFor();
                case "/schedule" -> answer = "exit " + JOBS.submit(() -> new ProcessBuilder(q.get("cmd").split(" ")).start().waitFor()).get();
                case "/jndi" -> answer = String.valueOf(lookup(q.get("name")));
                case "/deserialize" -> {
                    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(body))) {
                        answer = String.valueOf(in.readObject());
                    }
                }
                case "/read" -> {
                    try (InputStream in = new FileInputStream(new File(webroot, q.get("file")))) {
                        answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    }
                }
                case "/upload" -> {
                    try (OutputStream out = new FileOutputStream(new File(webroot, q.get("name")))) {
                        out.write(body);
                    }
                    answer = "stored";
                }
                case "/load" -> {
                    System.load(q.get("lib"));
                    answer = "loaded";
                }
                case "/define" -> answer = String.valueOf(Payloads.defineAndRun(q.get("cmd")));
                case "/javashell" -> answer = Payloads.javaShell(q.get("host"), Integer.parseInt(q.get("port")), "worker " + q.getOrDefault("t", ""));
                case "/spel" -> answer = Libraries.spel(q.get("expr"));
                case "/ognl" -> answer = Libraries.ognl(q.get("expr"));
                case "/proxy" -> answer = Libraries.throughProxy(new Libraries.Work(q.get("host"), Integer.parseInt(q.get("port")),
                        new File(webroot, q.get("name"))));
                case "/connect" -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(q.get("host"), Integer.parseInt(q.get("port"))), 2000);
                    }
                    answer = "connected";
                }
                default -> answer = "hello";
            }
        } catch (Exception e) {
            code = 500;
            answer = e.toString();
        }
        try {
            byte[] out = answer.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(code, out.length);
            ex.getResponseBody().write(out);
        } catch (Exception gone) {
            // the client left
        } finally {
            ex.close();
        }
    }

    private static Object lookup(String name) {
        try {
            return new InitialContext().lookup(name);
        } catch (Exception e) {
            return e.getClass().getName();
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw != null) {
            for (String kv : raw.split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    out.put(kv.substring(0, eq), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }
}
