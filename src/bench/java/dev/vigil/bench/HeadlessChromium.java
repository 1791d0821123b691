package dev.vigil.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.cli.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's Chromium, headless, driven over the DevTools protocol with the JDK's own WebSocket
 * client: enough for `vigil bench` to time the console in a real browser without a test
 * framework in the agent. One page; {@link #evaluate} runs JavaScript in it.
 */
final class HeadlessChromium implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final TempDir profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    private HeadlessChromium(Process process, TempDir profile, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
    }

    static HeadlessChromium start() throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY)) {
            throw new IOException("no " + BINARY + " (apt-get install chromium)");
        }
        TempDir profile = TempDir.create("vigil-chromium");
        ProcessBuilder launch = new ProcessBuilder(BINARY.toString(), "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--remote-debugging-port=0", "--remote-allow-origins=*", "--user-data-dir=" + profile.path(), "--window-size=1400,1000",
                "about:blank").redirectOutput(ProcessBuilder.Redirect.DISCARD);
        // Chromium puts its singleton socket in a directory of TMPDIR: in the profile's, it goes with it
        launch.environment().put("TMPDIR", profile.path().toString());
        Process p = launch.start();
        try {
            String devtools = devtoolsAddress(p);
            HttpClient http = HttpClient.newHttpClient();
            JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://" + devtools + "/json/list")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            String page = null;
            for (JsonNode t : targets) {
                if (t.path("type").asText().equals("page")) {
                    page = t.path("webSocketDebuggerUrl").asText();
                }
            }
            if (page == null) {
                throw new IOException("chromium has no page to drive: " + targets);
            }
            HeadlessChromium[] self = new HeadlessChromium[1];
            WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(page), new WebSocket.Listener() {
                private final StringBuilder frame = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    frame.append(data);
                    if (last) {
                        self[0].answer(frame.toString());
                        frame.setLength(0);
                    }
                    w.request(1);
                    return null;
                }
            }).get(20, TimeUnit.SECONDS);
            self[0] = new HeadlessChromium(p, profile, ws);
            return self[0];
        } catch (IOException | InterruptedException e) {
            p.destroyForcibly();
            profile.close();
            throw e;
        } catch (Exception e) {
            p.destroyForcibly();
            profile.close();
            throw new IOException("drive chromium: " + e, e);
        }
    }

    /** Chromium prints "DevTools listening on ws://HOST:PORT/…" on stderr once it is ready. */
    private static String devtoolsAddress(Process p) throws IOException {
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        Pattern at = Pattern.compile("DevTools listening on ws://([^/]+)/");
        long deadline = System.nanoTime() + 30_000_000_000L;
        for (String line; System.nanoTime() < deadline && (line = err.readLine()) != null; ) {
            Matcher m = at.matcher(line);
            if (m.find()) {
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        err.transferTo(java.io.Writer.nullWriter());
                    } catch (IOException closed) {
                        // chromium stopped
                    }
                });
                return m.group(1);
            }
        }
        throw new IOException("chromium did not start its DevTools endpoint");
    }

    private void answer(String message) {
        try {
            JsonNode m = JSON.readTree(message);
            CompletableFuture<JsonNode> f = m.has("id") ? pending.remove(m.get("id").asInt()) : null;
            if (f != null) {
                f.complete(m);
            }
        } catch (IOException notJson) {
            // events and noise: nothing waits on them
        }
    }

    JsonNode call(String method, ObjectNode params) throws IOException {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        ObjectNode m = JSON.createObjectNode().put("id", id).put("method", method);
        m.set("params", params == null ? JSON.createObjectNode() : params);
        socket.sendText(m.toString(), true);
        try {
            JsonNode r = f.get(30, TimeUnit.SECONDS);
            if (r.has("error")) {
                throw new IOException(method + ": " + r.get("error"));
            }
            return r.path("result");
        } catch (Exception e) {
            throw e instanceof IOException io ? io : new IOException(method + ": " + e, e);
        }
    }

    void navigate(String url) throws IOException {
        call("Page.navigate", JSON.createObjectNode().put("url", url));
    }

    /** The value of a JavaScript expression in the page (promises awaited). */
    JsonNode evaluate(String expression) throws IOException {
        return call("Runtime.evaluate", JSON.createObjectNode().put("expression", expression).put("returnByValue", true)
                .put("awaitPromise", true)).path("result").path("value");
    }

    @Override
    public void close() {
        socket.abort();
        // its helpers (zygote, renderer, GPU) write into the profile until they are gone too
        java.util.List<ProcessHandle> helpers = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            for (ProcessHandle h : helpers) {
                h.destroy();
                h.onExit().get(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException stillThere) {
            helpers.forEach(ProcessHandle::destroyForcibly);
        }
        profile.close();
    }
}
