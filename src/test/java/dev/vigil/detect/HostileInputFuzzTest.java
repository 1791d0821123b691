package dev.vigil.detect;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.vigil.cli.StockPack;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random and mutated rule files through the loader, and mutated events through the stock rules.
 * The contract, every time: a located error or success; never an exception, a hang past its
 * budget, or a rule that throws on an event (a lost alert). Seeded: fixed under CI=true (so a
 * failure reproduces), random otherwise and printed; set -Dvigil.fuzz.seed to replay one.
 */
class HostileInputFuzzTest {
    private static final Duration HANG = Duration.ofSeconds(30);
    private static final Duration BUDGET = Duration.ofSeconds(20);
    private static final String[] TOKENS = {"(", ")", " and ", " or ", " not ", "=", "!=", " in ", " regex ", " glob ", " contains ",
            " exists", "'", "\"", "\\", ",", "\n", "\n  ", ": ", "- ", "[", "]", "{", "}", "&a ", "*a", "!!binary ", "%proc.name",
            "proc.aname[99999999999]", "evt.type", "proc.name", "fd.name", "m0", "l0", "(a+)+$", "{1000}", "\u0000", "\u202e", "\udc80",
            "- rule: r\n", "- macro: m0\n", "- list: l0\n", "  condition: ", "  append: true\n", "  enabled: maybe\n",
            "  override:\n    condition: append\n", "  exceptions:\n    - name: e\n      fields: [proc.name]\n      values: [[a]]\n",
            "- sequence: s\n  window: 1s\n  steps:\n", "- threshold: t\n  count: 0\n  window: -5x\n", "<<<", "9".repeat(30)};

    private static long seed() {
        String given = System.getProperty("vigil.fuzz.seed");
        long seed = given != null ? Long.parseLong(given) : "true".equals(System.getenv("CI")) ? 20261125L : System.nanoTime();
        System.err.println("HostileInputFuzzTest seed " + seed + " (rerun with -Dvigil.fuzz.seed=" + seed + ")");
        return seed;
    }

    private static List<String> ruleSeeds() throws Exception {
        List<String> seeds = new ArrayList<>();
        seeds.add(Files.readString(StockPack.path().resolve("vigil_rules.yaml")));
        Path falco = Path.of("../shared/third_party/falco-rules/falco_rules.yaml");
        if (Files.isRegularFile(falco)) {
            seeds.add(Files.readString(falco));
        }
        seeds.add("- list: l0\n  items: [sh, bash]\n- macro: m0\n  condition: proc.name in (l0)\n"
                + "- rule: r\n  desc: d\n  condition: evt.type = execve and m0 and not proc.pname = sshd\n  output: \"%proc.name %fd.name\"\n  priority: WARNING\n");
        return seeds;
    }

    private static String mutate(String text, SplittableRandom rnd) {
        StringBuilder sb = new StringBuilder(text);
        int edits = 1 + rnd.nextInt(8);
        for (int i = 0; i < edits && sb.length() > 0; i++) {
            int at = rnd.nextInt(sb.length() + 1);
            switch (rnd.nextInt(6)) {
                case 0 -> sb.insert(at, TOKENS[rnd.nextInt(TOKENS.length)]);
                case 1 -> sb.deleteCharAt(Math.min(at, sb.length() - 1));
                case 2 -> sb.setCharAt(Math.min(at, sb.length() - 1), (char) rnd.nextInt(0x80));
                case 3 -> {
                    int end = Math.min(sb.length(), at + rnd.nextInt(200));
                    String piece = sb.substring(at, end);
                    sb.insert(at, piece.repeat(1 + rnd.nextInt(4)));
                }
                case 4 -> sb.setLength(at);
                default -> sb.insert(at, TOKENS[rnd.nextInt(TOKENS.length)].repeat(1 + rnd.nextInt(2000)));
            }
        }
        return sb.toString();
    }

    /** A random rule file: macros over macros, nesting, lists, operators, junk. */
    private static String generate(SplittableRandom rnd) {
        StringBuilder sb = new StringBuilder();
        int macros = rnd.nextInt(6);
        sb.append("- list: l0\n  items: [a, \"b c\", '/tmp']\n");
        for (int m = 0; m < macros; m++) {
            sb.append("- macro: m").append(m).append("\n  condition: ").append(condition(rnd, m, 0)).append('\n');
        }
        sb.append("- rule: r\n  condition: ").append(condition(rnd, macros, 0)).append("\n  output: hit %proc.name %proc.apid[")
                .append(rnd.nextBoolean() ? rnd.nextInt(20) : rnd.nextLong()).append("]\n");
        return rnd.nextInt(4) == 0 ? mutate(sb.toString(), rnd) : sb.toString();
    }

    private static String condition(SplittableRandom rnd, int macros, int depth) {
        if (depth > 6 || rnd.nextInt(3) == 0) {
            return switch (rnd.nextInt(6)) {
                case 0 -> "proc.name = sh";
                case 1 -> "proc.args regex '" + new String[] {"(a+)+$", "x{0,1000}", "[", "^\\d+$"}[rnd.nextInt(4)] + "'";
                case 2 -> "fd.name in (l0, /etc)";
                case 3 -> macros > 0 ? "m" + rnd.nextInt(macros) : "proc.pid > 7";
                case 4 -> "proc.aname[" + (rnd.nextBoolean() ? rnd.nextInt(20) : rnd.nextLong()) + "] glob '*s?h*'";
                default -> "evt.type exists";
            };
        }
        String a = condition(rnd, macros, depth + 1), b = condition(rnd, macros, depth + 1);
        return switch (rnd.nextInt(4)) {
            case 0 -> "(" + a + " and " + b + ")";
            case 1 -> a + " or " + b;
            case 2 -> "not (" + a + ")";
            default -> "(" + a + ") and not " + b;
        };
    }

    @Test
    void ruleFilesEndInALocatedErrorOrSuccess() throws Exception {
        SplittableRandom rnd = new SplittableRandom(seed());
        List<String> seeds = ruleSeeds();
        List<Map<String, Object>> events = sampleEvents();
        long deadline = System.nanoTime() + BUDGET.toNanos();
        int n = 0;
        while (n < 3000 && System.nanoTime() < deadline) {
            String text = switch (n % 3) {
                case 0 -> generate(rnd);
                case 1 -> mutate(seeds.get(seeds.size() - 1), rnd);
                default -> mutate(seeds.get(rnd.nextInt(seeds.size())), rnd);
            };
            n++;
            RuleSet set = assertTimeoutPreemptively(HANG, () -> RuleLoader.loadText("f.yaml", text), () -> "hang on input: " + abbreviate(text));
            for (RuleException e : set.errors()) {
                assertTrue(e.getMessage().startsWith("f.yaml:") && e.line() > 0, "unlocated error " + e.getMessage() + " for " + abbreviate(text));
            }
            Engine engine = new Engine(set, a -> { }, Engine::lineageFromTree);
            assertTimeoutPreemptively(HANG, () -> events.forEach(engine::accept));
            assertEquals(Map.of(), engine.ruleErrors(), "a rule threw on an event: " + engine.lastRuleError());
        }
        System.err.println("HostileInputFuzzTest: " + n + " rule files");
        assertTrue(n >= 100, "the fuzzer ran");
    }

    @Test
    void mutatedEventsNeverMakeAStockRuleThrow() throws Exception {
        SplittableRandom rnd = new SplittableRandom(seed() ^ 0x5eed);
        RuleSet stock = RuleLoader.load(List.of(StockPack.path()));
        assertEquals(List.of(), stock.errors());
        List<Alert> alerts = new ArrayList<>();
        Engine engine = new Engine(stock, alerts::add, Engine::lineageFromTree);
        ObjectMapper json = new ObjectMapper();
        List<Map<String, Object>> base = sampleEvents();
        Object[] hostile = {null, "", "\n\u001b[31m<script>", "\udcff\udcfe", "x".repeat(100_000), -1L, Long.MAX_VALUE, 3.5, true,
                List.of(), List.of("a", "b"), Map.of("pid", "x"), List.of(Map.of("pid", 1, "comm", "<")), "1.a<2.b<3", "<<<", "99999999999999999999"};
        long deadline = System.nanoTime() + BUDGET.toNanos();
        int n = 0;
        while (n < 50_000 && System.nanoTime() < deadline) {
            Map<String, Object> e = new LinkedHashMap<>(base.get(rnd.nextInt(base.size())));
            List<String> keys = new ArrayList<>(e.keySet());
            keys.addAll(List.of("pid_tree", "ancestors", "args", "parent_args", "exe", "file", "new_name", "dport", "sig", "ts"));
            for (int k = 0, edits = 1 + rnd.nextInt(5); k < edits; k++) {
                e.put(keys.get(rnd.nextInt(keys.size())), hostile[rnd.nextInt(hostile.length)]);
            }
            // the replay path: to JSON text and back, as a recorded line would arrive
            Map<?, ?> parsed = json.readValue(json.writeValueAsString(e), Map.class);
            engine.accept(EventMaps.normalise(parsed));
            engine.accept(e);
            n++;
        }
        assertEquals(Map.of(), engine.ruleErrors(), "a stock rule threw on an event: " + engine.lastRuleError());
        System.err.println("HostileInputFuzzTest: " + n + " events, " + alerts.size() + " alerts");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> sampleEvents() throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        try (InputStream in = HostileInputFuzzTest.class.getResourceAsStream("/rule-cases.yaml")) {
            List<Map<String, Object>> cases = new YAMLMapper().readValue(in, List.class);
            for (Map<String, Object> c : cases) {
                for (String kind : List.of("positive", "negative")) {
                    for (Object events : (List<Object>) c.getOrDefault(kind, List.of())) {
                        if (!(events instanceof List<?> list)) {
                            continue; // a generated case ("brute …"), not recorded events
                        }
                        for (Object ev : list) {
                            Map<String, Object> m = new LinkedHashMap<>(EventMaps.normalise((Map<String, Object>) ev));
                            m.putIfAbsent("ts", 1L);
                            m.putIfAbsent("pid", 1000L);
                            out.add(m);
                        }
                    }
                }
            }
        }
        return out;
    }

    private static String abbreviate(String s) {
        String t = s.length() > 300 ? s.substring(0, 300) + "…" : s;
        return t.replace("\n", "\\n");
    }
}
