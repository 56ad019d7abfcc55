package io.loomlet.jmh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes the generated part of BENCHMARKS.md from one run's results: JMH's CSV, the memory harness
 * lines and the CSVs of the echo harness with the independent client ({@code NioEchoHarness}). Every
 * ratio compares numbers from the same run on the same machine.
 *
 * <p>Verdicts carry their error: a JMH score's error is JMH's own (99.9% confidence half-width over
 * its forks and iterations), a ratio's is the scores' relative errors added in quadrature, and an
 * echo ratio's is a 95% interval over the rounds, paired by round. A goal is "met" only when the
 * ratio clears it with its error, "not met" when it misses it by more than its error, and
 * "indicative" otherwise; a score whose error is above 10% of it is flagged in its table.
 *
 * <p>The output file keeps everything outside the block between {@link #BEGIN} and {@link #END}:
 * the hand-written sections of BENCHMARKS.md (issue write-ups, before/after runs) survive a new
 * report. A file without the markers gets the block appended; a missing file is created.
 *
 * <p>The one-hub echo goals against the bare NIO loop and virtual threads on one carrier are judged
 * from {@code InterleavedEchoHarness}'s windows when the run has them: all servers run at once and
 * are driven in turn, window by window, so that the machine's drift, which moves ratios between
 * JVMs run one after another by more than those goals' margins, hits each server alike. Their
 * interval is the wider of two Student-t intervals: over the rounds' means (fresh JVMs each round:
 * what the JIT decided in one is part of the error) and over every cycle pooled.
 *
 * <p>Args: jmhCsv memoryTxt output command mode [echoCsv...] [--connections connectionsCsv]
 * [--interleaved interleavedCsv] (any number of {@code NioEchoHarness}'s CSVs — bench-report gives
 * the pinned run, then the unpinned one; a missing one adds nothing —, {@code ConnectionsHarness}'s
 * and {@code InterleavedEchoHarness}'s, whose goals say "no result" when they are missing).
 */
public final class Report {
    private final Map<String, double[]> jmh = new HashMap<>(); // name -> score, error
    private final Map<String, List<Long>> memory = new LinkedHashMap<>(); // kind -> bytes per run
    /** Echo server -> its runs in round order (paired by index across servers). */
    private final Map<String, List<EchoRun>> echo = new LinkedHashMap<>();
    /** ConnectionsHarness's steps, every run. */
    private final List<ConnectionsStep> connections = new ArrayList<>();
    /** ConnectionsHarness's runs: run -> clean from start to end. */
    private final Map<Integer, Boolean> connectionsRuns = new java.util.TreeMap<>();
    private boolean connectionsExpected;
    /** InterleavedEchoHarness's windows, every round. */
    private final List<Interleaved> interleaved = new ArrayList<>();
    private boolean interleavedExpected;
    private boolean interleavedPinned = true;
    private String connectionsHandler = "";
    /** PairedForksHarness's forks, every round. */
    private final List<PairedFork> paired = new ArrayList<>();
    private boolean pairedExpected;
    private final StringBuilder out = new StringBuilder();
    private final List<String> verdicts = new ArrayList<>();

    static final String BEGIN = "<!-- bench-report: generated from here to the end marker; edit outside it -->";
    static final String END = "<!-- bench-report: end -->";
    /** Errors above this share of a score make it too noisy for a verdict on its own. */
    static final double NOISY = 0.10;

    public static void main(String[] args) throws IOException {
        Report r = new Report();
        r.readJmh(Path.of(args[0]));
        r.readMemory(Path.of(args[1]));
        for (int i = 5; i < args.length; i++) {
            if (args[i].equals("--connections") && i + 1 < args.length) {
                r.expectConnections(Path.of(args[++i]));
            } else if (args[i].equals("--interleaved") && i + 1 < args.length) {
                r.expectInterleaved(Path.of(args[++i]));
            } else if (args[i].equals("--paired-forks") && i + 1 < args.length) {
                r.expectPairedForks(Path.of(args[++i]));
            } else {
                r.readEcho(Path.of(args[i]));
            }
        }
        Path target = Path.of(args[2]);
        String block = r.write(args[3], args[4]);
        Files.writeString(target, splice(Files.exists(target) ? Files.readString(target) : null, block), StandardCharsets.UTF_8);
        System.out.println("wrote the generated part of " + target);
        r.verdicts.forEach(System.out::println);
    }

    /** {@code old} with its generated block replaced by {@code block} (see the class doc). */
    static String splice(String old, String block) {
        String wrapped = BEGIN + "\n" + block + END + "\n";
        if (old == null) {
            return "# Loomlet benchmarks\n\n" + wrapped;
        }
        int b = old.indexOf(BEGIN);
        int e = b < 0 ? old.indexOf(END) : old.indexOf(END, b);
        if (b < 0 && e < 0) {
            return old + (old.endsWith("\n") ? "\n" : "\n\n") + wrapped;
        }
        if (b < 0 || e < 0 || old.indexOf(BEGIN, b + 1) >= 0) {
            throw new IllegalArgumentException("the report's markers are broken (one missing, out of order or twice): "
                    + "fix them by hand so that one begin marker precedes one end marker; nothing was written");
        }
        return old.substring(0, b) + wrapped + old.substring(e + END.length()).replaceFirst("^\n", "");
    }

    private static List<String> csvFields(String line) {
        List<String> f = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean q = false;
        for (char c : line.toCharArray()) {
            if (c == '"') {
                q = !q;
            } else if (c == ',' && !q) {
                f.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        f.add(cur.toString());
        return f;
    }

    void readJmh(Path p) throws IOException {
        List<String> lines = Files.readAllLines(p);
        for (String l : lines.subList(1, lines.size())) {
            List<String> f = csvFields(l);
            String name = f.get(0).replace("io.loomlet.jmh.", "");
            double err = f.get(5).isEmpty() || f.get(5).equals("NaN") ? Double.NaN : Double.parseDouble(f.get(5));
            jmh.put(name, new double[] {Double.parseDouble(f.get(4)), err});
        }
    }

    void readMemory(Path p) throws IOException {
        for (String l : Files.readAllLines(p)) {
            String[] f = l.trim().split(" ");
            if (f.length == 3) {
                memory.computeIfAbsent(f[0], k -> new ArrayList<>()).add(Long.parseLong(f[2]));
            }
        }
    }

    /**
     * One echo run of one server: NioEchoHarness's CSV row, the columns the report uses (NaN where a
     * value is missing or not a number); {@code pinned}: the server ran on a CPU of its own.
     */
    record EchoRun(int round, double rps, double p50, double p99, double p999, double maxUs, long errors,
            double serverCpuUsPerRt, double otherCpu, boolean pinned) {
    }

    /** One step of a ConnectionsHarness run: {@code n} connections idle after {@code echoes} round trips each. */
    record ConnectionsStep(int run, int n, int echoes, double heapEach, long errors, double chunks, boolean ok) {
    }

    /** One window of one server in InterleavedEchoHarness's CSV. */
    record Interleaved(int round, int cycle, String server, double rps, double cpuUsPerRt, long errors) {
    }

    void expectInterleaved(Path p) throws IOException {
        interleavedExpected = true;
        if (!Files.exists(p)) {
            return;
        }
        List<String> lines = Files.readAllLines(p);
        if (lines.isEmpty()) {
            return;
        }
        List<String> head = csvFields(lines.get(0));
        for (String l : lines.subList(1, lines.size())) {
            if (l.isBlank()) {
                continue;
            }
            List<String> f = csvFields(l);
            java.util.function.Function<String, String> col = c -> {
                int i = head.indexOf(c);
                if (i < 0 || i >= f.size()) {
                    throw new IllegalArgumentException(p + " has no column " + c + " (not an InterleavedEchoHarness CSV?)");
                }
                return f.get(i);
            };
            interleavedPinned &= Boolean.parseBoolean(col.apply("pinned"));
            interleaved.add(new Interleaved(Integer.parseInt(col.apply("round")), Integer.parseInt(col.apply("cycle")),
                    col.apply("server"), Double.parseDouble(col.apply("rt_per_s")),
                    Double.parseDouble(col.apply("server_cpu_us_per_rt")), Long.parseLong(col.apply("errors"))));
        }
    }

    /** One fork in PairedForksHarness's CSV: a benchmark's score in one round of its pair. */
    record PairedFork(int round, String pair, String benchmark, double scoreNs) {
    }

    /**
     * The goals PairedForksHarness measured are judged from {@code p}; if it holds no round of a pair,
     * the goal falls back to the JMH run's ratio and says so.
     */
    void expectPairedForks(Path p) throws IOException {
        pairedExpected = true;
        if (!Files.exists(p)) {
            return;
        }
        List<String> lines = Files.readAllLines(p);
        if (lines.isEmpty()) {
            return;
        }
        List<String> head = csvFields(lines.get(0));
        for (String l : lines.subList(1, lines.size())) {
            if (l.isBlank()) {
                continue;
            }
            List<String> f = csvFields(l);
            java.util.function.Function<String, String> col = c -> {
                int i = head.indexOf(c);
                if (i < 0 || i >= f.size()) {
                    throw new IllegalArgumentException(p + " has no column " + c + " (not a PairedForksHarness CSV?)");
                }
                return f.get(i);
            };
            paired.add(new PairedFork(Integer.parseInt(col.apply("round")), col.apply("pair"), col.apply("benchmark"),
                    Double.parseDouble(col.apply("score_ns"))));
        }
    }

    /** For tests: one paired fork. */
    void putPairedFork(int round, String a, String b, String benchmark, double scoreNs) {
        pairedExpected = true;
        paired.add(new PairedFork(round, a + "/" + b, benchmark, scoreNs));
    }

    /**
     * a's score over b's, round by round, from the paired forks: the mean over the rounds with a 95%
     * Student-t interval (fewer than two rounds: no interval). Throws Missing if no round has both.
     */
    Ratio pairedRatio(String a, String b) {
        double[] q = pairedRounds(a, b);
        if (q.length == 0) {
            throw new Missing("paired forks of " + a + " and " + b);
        }
        double mean = java.util.Arrays.stream(q).average().orElse(Double.NaN);
        return new Ratio(mean, q.length < 2 ? Double.POSITIVE_INFINITY : tHalf(q));
    }

    /** The per-round ratios a/b of the pair "a/b", in round order. */
    double[] pairedRounds(String a, String b) {
        Map<Integer, double[]> byRound = new java.util.TreeMap<>();
        for (PairedFork f : paired) {
            if (f.pair().equals(a + "/" + b)) {
                double[] ab = byRound.computeIfAbsent(f.round(), k -> new double[] {Double.NaN, Double.NaN});
                ab[f.benchmark().equals(a) ? 0 : 1] = f.scoreNs();
            }
        }
        return byRound.values().stream().filter(ab -> ab[0] > 0 && ab[1] > 0).mapToDouble(ab -> ab[0] / ab[1]).toArray();
    }

    /** For tests: one interleaved window. */
    void putInterleaved(int round, int cycle, String server, double rps, double cpuUsPerRt) {
        interleavedExpected = true;
        interleaved.add(new Interleaved(round, cycle, server, rps, cpuUsPerRt, 0));
    }

    /** The connections goals are judged from {@code p}, or say "no result" if the harness wrote nothing there. */
    void expectConnections(Path p) throws IOException {
        connectionsExpected = true;
        if (Files.exists(p)) {
            readConnections(p);
        }
    }

    void readConnections(Path p) throws IOException {
        List<String> lines = Files.readAllLines(p);
        List<String> head = csvFields(lines.get(0));
        for (String l : lines.subList(1, lines.size())) {
            if (l.isBlank()) {
                continue;
            }
            List<String> f = csvFields(l);
            java.util.function.Function<String, String> col = c -> {
                int i = head.indexOf(c);
                if (i < 0 || i >= f.size()) {
                    throw new IllegalArgumentException(p + " has no column " + c + " (not a ConnectionsHarness CSV?)");
                }
                return f.get(i);
            };
            connectionsHandler = col.apply("handler");
            if (col.apply("echoes").equals("-1")) { // the run's own row (ConnectionsHarness.writeCsv)
                connectionsRuns.put(Integer.parseInt(col.apply("connections-run")), Boolean.parseBoolean(col.apply("ok")));
                continue;
            }
            String chunks = col.apply("chunksPerFiber");
            connections.add(new ConnectionsStep(Integer.parseInt(col.apply("connections-run")), Integer.parseInt(col.apply("n")),
                    Integer.parseInt(col.apply("echoes")), Double.parseDouble(col.apply("heapPerConnection")),
                    Long.parseLong(col.apply("clientErrors")) + Long.parseLong(col.apply("serverErrors")),
                    chunks.isEmpty() ? Double.NaN : Double.parseDouble(chunks), Boolean.parseBoolean(col.apply("ok"))));
        }
    }

    /** Heap per idle connection and the most connections one hub held: section, table and verdicts. */
    private void connectionsSection() {
        verdict("10,000 concurrent connections on one hub", true, "C10kTest in the test suite: 10,000 echoing at once, 0 errors");
        String goal2k = "at most 2 KB of heap per idle connection (#10"
                + (connectionsHandler.isEmpty() ? ")" : "; `" + connectionsHandler + "` handler)");
        String goalHold = "one hub holds as many idle echo connections as the descriptor limit allows, zero errors";
        if (connections.isEmpty() || connectionsRuns.isEmpty()) {
            if (connectionsExpected) {
                verdict(goal2k, "no result", "the connections harness wrote no result (see jmh/target/report/connections.log)");
                verdict(goalHold, "no result", "the same");
            }
            return;
        }
        int top = connections.stream().mapToInt(ConnectionsStep::n).max().orElse(0);
        List<ConnectionsStep> atTop = connections.stream().filter(c -> c.n() == top).toList();
        out.append("\n## Idle connections on one hub (`ConnectionsHarness`)\n\n")
                .append("A StreamServer echo on one hub, `").append(connectionsHandler).append("` handler, in its own JVM; ")
                .append("the client, plain `java.nio`, warms it up with 20,000 connections, then opens ").append(String.format(
                        Locale.ROOT, "%,d", top))
                .append(" (this process's descriptor limit less headroom), each checked by a round trip, and all idle; heap ")
                .append("per connection is the server's heap after full GCs at N less at 0, over N. Then every connection ")
                .append("makes another round trip and the server is measured again (the steady state).\n\n")
                .append("| run | idle after echo | heap B per connection | stack chunks per handler | errors |\n|---|---|---|---|---|\n");
        for (ConnectionsStep c : atTop) {
            out.append(String.format(Locale.ROOT, "| %d | %d | %,.0f | %s | %d%s |%n", c.run(), c.echoes(), c.heapEach(),
                    Double.isNaN(c.chunks()) ? "n/a" : String.format(Locale.ROOT, "%.2f", c.chunks()), c.errors(),
                    c.ok() ? "" : " (a count was wrong)"));
        }
        double max = atTop.stream().mapToDouble(ConnectionsStep::heapEach).max().orElse(Double.NaN);
        double min = atTop.stream().mapToDouble(ConnectionsStep::heapEach).min().orElse(Double.NaN);
        List<Integer> failed = connectionsRuns.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList();
        boolean clean = failed.isEmpty() && connections.stream().allMatch(c -> c.errors() == 0 && c.ok());
        int runs = connectionsRuns.size();
        // "met" only when every measurement of every clean run is under the goal, and more than one run
        // says so (one run has no spread to judge by); "not met" when every one is over
        String reading = min > 2048 ? "**not met**"
                : !clean ? "indicative (run(s) " + failed + " had errors or did not finish)"
                : max > 2048 ? "indicative (runs on both sides)"
                : runs < 2 ? "indicative (one run)"
                : "**met**";
        // one chunk per handler is the case where C2 inlined the whole handler into the fiber's entry; a
        // handler in a frame of its own keeps a second chunk after traffic (HotSpot's slow thaw), so the
        // verdict says which case it judged rather than reading as true of every handler
        boolean oneChunk = atTop.stream().allMatch(c -> !Double.isNaN(c.chunks()) && c.chunks() < 1.5);
        verdict(goal2k, reading, String.format(Locale.ROOT,
                "%,.0f–%,.0f B at %,d connections, after one round trip and after more, %d run(s)%s", min, max, top, runs,
                oneChunk ? "; every handler in one stack chunk, which needs C2 to inline the handler whole: a handler in"
                        + " a frame of its own keeps two (BENCHMARKS.md, \"Why two chunks\")" : ""));
        verdict(goalHold, clean, String.format(Locale.ROOT, "%,d connections, %s", top,
                clean ? "0 errors in every run" : "errors, or run(s) " + failed + " did not finish: see the table and the log"));
    }

    /** Reads a NioEchoHarness CSV (its header names the columns); a missing file adds nothing. */
    void readEcho(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        List<String> lines = Files.readAllLines(p);
        if (lines.isEmpty()) {
            return;
        }
        List<String> head = csvFields(lines.get(0));
        for (String l : lines.subList(1, lines.size())) {
            if (l.isBlank()) {
                continue;
            }
            List<String> f = csvFields(l);
            java.util.function.ToDoubleFunction<String> col = c -> {
                int i = head.indexOf(c);
                if (i < 0) {
                    throw new IllegalArgumentException(p + " has no column " + c + " (not a NioEchoHarness CSV?)");
                }
                try {
                    return i < f.size() ? Double.parseDouble(f.get(i)) : Double.NaN;
                } catch (NumberFormatException e) {
                    return Double.NaN; // "null": the client's result line lacked it
                }
            };
            int cpus = head.indexOf("serverCpus"); // absent from CSVs written before the column was
            boolean pinned = cpus >= 0 && cpus < f.size() && !f.get(cpus).equals("none");
            double errors = col.applyAsDouble("errors");
            echo.computeIfAbsent(f.get(0), k -> new ArrayList<>()).add(new EchoRun((int) col.applyAsDouble("round"),
                    col.applyAsDouble("rtPerSecond"), col.applyAsDouble("p50us"), col.applyAsDouble("p99us"),
                    col.applyAsDouble("p999us"), col.applyAsDouble("maxUs"), Double.isNaN(errors) ? -1 : (long) errors,
                    col.applyAsDouble("serverCpuUsPerRoundTrip"), col.applyAsDouble("otherCpuPerSecond"), pinned));
        }
    }

    /** For tests: a JMH score and its error. */
    void putScore(String name, double score, double error) {
        jmh.put(name, new double[] {score, error});
    }

    /** For tests: an echo server's round trips per second, one per round. */
    void putEcho(String server, List<Double> rps) {
        List<EchoRun> runs = new ArrayList<>();
        rps.forEach(v -> runs.add(new EchoRun(runs.size() + 1, v, 0, 0, 0, 0, 0, 1e6 / v, 0, true)));
        echo.put(server, runs);
    }

    List<String> verdicts() {
        return verdicts;
    }

    /** A result the report needs is not in this run (that benchmark failed or was left out). */
    static final class Missing extends RuntimeException {
        Missing(String name) {
            super("no result for " + name, null, false, false);
        }
    }

    double score(String name) {
        double[] s = jmh.get(name);
        if (s == null) {
            throw new Missing(name);
        }
        return s[0];
    }

    /** Runs one verdict; if a result it needs is missing, the verdict says so instead of failing the report. */
    void judge(String goal, Runnable verdict) {
        try {
            verdict.run();
        } catch (Missing m) {
            verdict(goal, "no result", m.getMessage() + " in this run (see " + (m.getMessage().contains("interleaved")
                    ? "interleaved.log" : m.getMessage().contains("echo server") ? "echo-pinned.log and echo-2cores.log" : "jmh.log")
                    + ")");
        }
    }

    String ns(String name) {
        double[] s = jmh.get(name);
        if (s == null) {
            return "n/a";
        }
        if (Double.isNaN(s[1])) {
            return fmt(s[0]) + " (no error: one iteration)";
        }
        String v = fmt(s[0]) + " ± " + fmt(s[1]);
        return noisy(name) ? v + " (noisy: error " + String.format(Locale.ROOT, "%.0f%%", 100 * relErr(name)) + ")" : v;
    }

    double relErr(String name) {
        double[] s = jmh.get(name);
        return s == null || Double.isNaN(s[1]) ? Double.POSITIVE_INFINITY : s[1] / s[0];
    }

    boolean noisy(String name) {
        return relErr(name) > NOISY;
    }

    /** A ratio with its error (absolute, same units as the value). */
    record Ratio(double value, double error) {
        String show() {
            return String.format(Locale.ROOT, Double.isFinite(error) ? "%.2f ± %.2f" : "%.2f (error unknown)", value, error);
        }
    }

    /** score(a) / score(b), the relative errors added in quadrature. */
    Ratio ratio(String a, String b) {
        double v = score(a) / score(b);
        return new Ratio(v, v * Math.hypot(relErr(a), relErr(b)));
    }

    /** "met" when {@code r} is at most {@code limit} with its error, "not met" when above it by more than its error. */
    void atMost(String goal, Ratio r, double limit, String detail) {
        verdict(goal, r.value() + r.error() <= limit ? "**met**" : r.value() - r.error() > limit ? "**not met**"
                : "indicative (within error)", r.show() + "x; " + detail);
    }

    /** "met" when {@code r} is at least {@code limit} with its error, "not met" when below it by more than its error. */
    void atLeast(String goal, Ratio r, double limit, String detail) {
        verdict(goal, r.value() - r.error() >= limit ? "**met**" : r.value() + r.error() < limit ? "**not met**"
                : "indicative (within error)", r.show() + "x; " + detail);
    }

    /** Per-round ratios of two echo servers' round trips/s (paired by round): mean ± 95% Student-t half-width. */
    Ratio echoRatio(String a, String b) {
        return echoRatio(a, b, false);
    }

    /**
     * As {@link #echoRatio(String, String)}; {@code byCpu}: by the server's CPU time per round trip
     * instead (b's over a's, so above 1 means a needs less), which does not depend on the client's speed.
     */
    Ratio echoRatio(String a, String b, boolean byCpu) {
        double[] q = pairedRatios(a, b, byCpu);
        int n = q.length;
        if (n == 0) {
            throw new Missing("a round with both echo servers " + a + " and " + b);
        }
        double mean = 0;
        for (double x : q) {
            mean += x / n;
        }
        if (n < 2) {
            return new Ratio(mean, Double.POSITIVE_INFINITY);
        }
        double var = 0;
        for (double x : q) {
            var += (x - mean) * (x - mean) / (n - 1);
        }
        return new Ratio(mean, T95[Math.min(n - 1, T95.length - 1)] * Math.sqrt(var / n));
    }

    /**
     * a's round trips/s over b's, cycle by cycle, from the interleaved windows ({@code byCpu}: b's CPU
     * per round trip over a's): the mean over every cycle, with the wider of the two intervals (over
     * the rounds' means, and over the cycles pooled; see the class doc). One round alone gives no
     * interval: its JVMs' luck cannot be told from the servers.
     */
    Ratio interleavedRatio(String a, String b, boolean byCpu) {
        Map<String, Interleaved> byKey = new HashMap<>();
        for (Interleaved w : interleaved) {
            byKey.put(w.round() + "/" + w.cycle() + "/" + w.server(), w);
        }
        Map<Integer, List<Double>> perRound = new java.util.TreeMap<>();
        List<Double> pooled = new ArrayList<>();
        for (Interleaved x : interleaved) {
            Interleaved y = x.server().equals(a) ? byKey.get(x.round() + "/" + x.cycle() + "/" + b) : null;
            if (y == null) {
                continue;
            }
            double v = byCpu ? y.cpuUsPerRt() / x.cpuUsPerRt() : x.rps() / y.rps();
            if (Double.isFinite(v) && v > 0) {
                perRound.computeIfAbsent(x.round(), k -> new ArrayList<>()).add(v);
                pooled.add(v);
            }
        }
        if (pooled.isEmpty()) {
            throw new Missing("interleaved windows of both echo servers " + a + " and " + b);
        }
        double[] all = pooled.stream().mapToDouble(Double::doubleValue).toArray();
        double[] means = perRound.values().stream()
                .mapToDouble(v -> v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN)).toArray();
        double mean = 0;
        for (double v : all) {
            mean += v / all.length;
        }
        if (means.length < 2) {
            return new Ratio(mean, Double.POSITIVE_INFINITY);
        }
        return new Ratio(mean, Math.max(tHalf(all), tHalf(means)));
    }

    /** The 95% Student-t half-width of the mean of {@code v} (at least two values). */
    private static double tHalf(double[] v) {
        int n = v.length;
        double mean = 0;
        for (double x : v) {
            mean += x / n;
        }
        double var = 0;
        for (double x : v) {
            var += (x - mean) * (x - mean) / (n - 1);
        }
        return T95[Math.min(n - 1, T95.length - 1)] * Math.sqrt(var / n);
    }

    /** "n cycles in r rounds" of the interleaved windows pairing a with b. */
    String interleavedCounts(String a, String b) {
        Set<String> cycles = new TreeSet<>();
        Set<Integer> rounds = new TreeSet<>();
        Set<String> withB = new java.util.HashSet<>();
        for (Interleaved w : interleaved) {
            if (w.server().equals(b)) {
                withB.add(w.round() + "/" + w.cycle());
            }
        }
        for (Interleaved w : interleaved) {
            if (w.server().equals(a) && withB.contains(w.round() + "/" + w.cycle())) {
                cycles.add(w.round() + "/" + w.cycle());
                rounds.add(w.round());
            }
        }
        return cycles.size() + " cycles in " + rounds.size() + " round" + (rounds.size() == 1 ? "" : "s");
    }

    /** An echo goal judged from the interleaved windows, with the one-after-another ratio beside it when the run has it. */
    void interleavedAtLeast(String goal, String a, String b, double limit) {
        Ratio r = interleavedRatio(a, b, false);
        String noisy = !Double.isFinite(r.error()) ? " (no error: one round)" : r.error() > NOISY * r.value()
                ? String.format(Locale.ROOT, " (noisy: error %.0f%%)", 100 * r.error() / r.value()) : "";
        String sequential;
        try {
            sequential = "; servers one after another (NioEchoHarness, for comparison): " + echoRatio(a, b).show() + "x";
        } catch (Missing m) {
            sequential = "";
        }
        atLeast(goal, r, limit, "round trips/s" + noisy + ", windows interleaved while both run, " + interleavedCounts(a, b)
                + "; by server CPU per round trip " + interleavedRatio(a, b, true).show() + "x" + sequential);
    }

    /**
     * A JMH ratio goal judged from the paired forks when the run has them (with the JMH run's ratio
     * beside it), else from the JMH run, saying why.
     */
    void pairedAtMost(String goal, String a, String b, double limit, String jmhDetail) {
        double[] rounds = pairedRounds(a, b);
        if (rounds.length == 0) {
            atMost(goal, ratio(a, b), limit, jmhDetail + (pairedExpected
                    ? "; the paired forks gave no result (see paired-forks.log), so this is the JMH run's ratio" : ""));
            return;
        }
        Ratio r = pairedRatio(a, b);
        String jmhRun;
        try {
            jmhRun = "; the JMH run (all forks of one benchmark, then the other): " + ratio(a, b).show() + "x, " + jmhDetail;
        } catch (Missing m) {
            jmhRun = "";
        }
        atMost(goal, r, limit, "forks paired seconds apart, " + rounds.length + " round" + (rounds.length == 1 ? " (no error)" : "s")
                + jmhRun);
    }

    /** Student's t, two-sided 95%, by degrees of freedom (index), 30+ for the last. */
    private static final double[] T95 = {Double.POSITIVE_INFINITY, 12.71, 4.30, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26,
        2.23, 2.20, 2.18, 2.16, 2.14, 2.13, 2.12, 2.11, 2.10, 2.09, 2.09, 2.08, 2.07, 2.07, 2.06, 2.06, 2.06, 2.05, 2.05,
        2.05, 2.04};

    /** The rest of the machine took this many CPU s/s or more during a window: the window is noisy. */
    static final double NOISY_OTHER_CPU = 0.2;

    /** A window another process disturbed (a missing reading does not count as noisy). */
    static boolean noisyWindow(EchoRun r) {
        return r.otherCpu() >= NOISY_OTHER_CPU;
    }

    /**
     * a's over b's per round, pairing runs by their round number; rounds where either is missing, has
     * no usable rate (a failed run) or was noisy (another process took CPU meanwhile: the pair then
     * measures that process, not the servers) are left out ({@link #echoPairs} says how many are left).
     */
    double[] pairedRatios(String a, String b, boolean byCpu) {
        List<Double> q = new ArrayList<>();
        for (EchoRun x : echoRuns(a)) {
            for (EchoRun y : echoRuns(b)) {
                if (x.round() == y.round() && !noisyWindow(x) && !noisyWindow(y)) {
                    double v = byCpu ? y.serverCpuUsPerRt() / x.serverCpuUsPerRt() : x.rps() / y.rps();
                    if (Double.isFinite(v) && v > 0) {
                        q.add(v);
                    }
                }
            }
        }
        return q.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * "n rounds", or "n of m rounds" when some of either server's rounds could not be paired, with
     * how many of those were left out as noisy.
     */
    String echoPairs(String a, String b) {
        int n = pairedRatios(a, b, false).length;
        int m = Math.max(echoRuns(a).size(), echoRuns(b).size());
        Set<Integer> noisy = new TreeSet<>();
        for (String s : List.of(a, b)) {
            for (EchoRun r : echoRuns(s)) {
                if (noisyWindow(r)) {
                    noisy.add(r.round());
                }
            }
        }
        return n == m ? n + " rounds"
                : n + " of " + m + " rounds" + (noisy.isEmpty() ? "" : " (" + noisy.size() + " left out as noisy)");
    }

    /** An echo ratio: met / not met / indicative as for JMH ratios, marked noisy above a 10% error. */
    void echoAtLeast(String goal, String a, String b, double limit, String more) {
        Ratio r = echoRatio(a, b);
        String noisy = !Double.isFinite(r.error()) ? " (no error: fewer than 2 rounds)" : r.error() > NOISY * r.value()
                ? String.format(Locale.ROOT, " (noisy: error %.0f%%)", 100 * r.error() / r.value()) : "";
        atLeast(goal, r, limit, "round trips/s" + noisy + ", paired by round over " + echoPairs(a, b) + more);
    }

    List<EchoRun> echoRuns(String server) {
        List<EchoRun> r = echo.get(server);
        if (r == null || r.isEmpty()) {
            throw new Missing("echo server " + server);
        }
        return r;
    }

    static String fmt(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    void verdict(String goal, boolean met, String measured) {
        verdict(goal, met ? "**met**" : "**not met**", measured);
    }

    void verdict(String goal, String reading, String measured) {
        verdicts.add("| " + goal + " | " + reading + " | " + measured + " |");
    }

    String write(String command, String mode) {
        String cpu = cpu();
        boolean careful = mode.equals("careful");
        out.append("Generated by `").append(command).append("` in its ").append(careful
                ? "careful mode (JMH: 3 forks, 5 warm-up and 10 measured iterations each; the switch against a bare "
                        + "continuation also in 20 rounds of paired forks, 3 warm-up and 5 measured iterations each; memory 3 runs; echo 5 rounds of a "
                        + "3 s warm-up and a 5 s window, one server after another; interleaved echo 4 rounds of 24 cycles of 3 s "
                        + "windows; connections 3 runs)"
                : "quick mode (JMH: 1 fork, short iterations; paired forks of the switch 3 rounds; echo 2 rounds of a 3 s warm-up and a 5 s window; interleaved "
                        + "echo 2 rounds of 3 cycles of 2 s windows; connections 1 run; read the error "
                        + "columns: verdicts that need a smaller error say indicative)")
                .append(".\n\n");
        out.append("Machine: ").append(cpu).append(", ").append(Runtime.getRuntime().availableProcessors()).append(" cores; ")
                .append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.runtime.version"))
                .append("; ").append(LocalDate.now()).append(". Errors: JMH's (99.9%, over all measured iterations of all forks, ")
                .append("taken as independent, so fork-to-fork variance is under-weighted); a score whose error is over 10% of it ")
                .append("is marked noisy.\n\n");

        double bare = jmh.containsKey("SwitchBenchmark.bareContinuation") ? score("SwitchBenchmark.bareContinuation") : Double.NaN;
        out.append("## Switching (ns per switch; a bare run + yield is one switch's work)\n\n| benchmark | ns/op | vs bare continuation |\n|---|---|---|\n");
        for (String b : List.of("bareContinuation", "fiberPingPong", "virtualThreadHandoff", "virtualThreadHandoffOneCarrier",
                "platformThreadHandoff")) {
            String n = "SwitchBenchmark." + b;
            if (jmh.containsKey(n)) {
                out.append("| ").append(b).append(" | ").append(ns(n)).append(" | ")
                        .append(String.format(Locale.ROOT, "%.2fx", score(n) / bare)).append(" |\n");
            }
        }
        out.append("\n`virtualThreadHandoff`: the JDK's scheduler with its default parallelism (one carrier per core); "
                + "`...OneCarrier`: parallelism 1, as a hub's fibers share one thread.\n");
        double[] pairedSwitch = pairedRounds("SwitchBenchmark.fiberPingPong", "SwitchBenchmark.bareContinuation");
        if (pairedSwitch.length > 0) {
            StringBuilder rs = new StringBuilder();
            for (double q : pairedSwitch) {
                rs.append(rs.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", q));
            }
            out.append("\nForks paired (`PairedForksHarness`): each round runs one fork of `fiberPingPong` and one of "
                    + "`bareContinuation` right after each other, the order swapped every round, so that the machine's "
                    + "drift from minute to minute stays out of their ratio. Per round: ").append(rs).append("; ")
                    .append(pairedRatio("SwitchBenchmark.fiberPingPong", "SwitchBenchmark.bareContinuation").show())
                    .append("x (95% Student-t over the rounds).\n");
        }
        String g1 = "fiber switch within 1.1x of a bare continuation run+yield (#10)";
        judge(g1, () -> pairedAtMost(g1, "SwitchBenchmark.fiberPingPong", "SwitchBenchmark.bareContinuation", 1.1,
                ns("SwitchBenchmark.fiberPingPong") + " vs " + ns("SwitchBenchmark.bareContinuation") + " ns"));
        String g2 = "fiber switch faster than a virtual-thread handoff on one carrier";
        judge(g2, () -> atLeast(g2, ratio("SwitchBenchmark.virtualThreadHandoffOneCarrier", "SwitchBenchmark.fiberPingPong"), 1.0,
                "times faster: " + ns("SwitchBenchmark.fiberPingPong") + " vs " + ns("SwitchBenchmark.virtualThreadHandoffOneCarrier")
                        + " ns"));
        String g3 = "fiber switch at least 10x faster than a platform-thread handoff";
        judge(g3, () -> atLeast(g3, ratio("SwitchBenchmark.platformThreadHandoff", "SwitchBenchmark.fiberPingPong"), 10,
                "times faster: " + ns("SwitchBenchmark.fiberPingPong") + " vs " + ns("SwitchBenchmark.platformThreadHandoff") + " ns"));

        out.append("\n## Spawn and join (ns per task or thread)\n\n| benchmark | ns/op |\n|---|---|\n");
        for (String b : List.of("taskSpawnJoin", "taskSpawnJoinInFiber", "taskSpawnAllJoinAll", "virtualThreadStartJoinFromVirtual",
                "virtualThreadStartJoinFromVirtualOneCarrier", "virtualThreadStartAllJoinAll", "virtualThreadStartJoinFromPlatform")) {
            if (jmh.containsKey("SpawnJoinBenchmark." + b)) {
                out.append("| ").append(b).append(" | ").append(ns("SpawnJoinBenchmark." + b)).append(" |\n");
            }
        }
        out.append("\nThe virtual-thread forms a virtual-thread program uses start and join from a virtual thread; "
                + "`FromPlatform` parks an OS thread on every join and is not a fair baseline.\n");
        String g4 = "spawn + join of a task (in a fiber) faster than start + join of a virtual thread (from a virtual thread)";
        judge(g4, () -> atLeast(g4, ratio("SpawnJoinBenchmark.virtualThreadStartJoinFromVirtual", "SpawnJoinBenchmark.taskSpawnJoinInFiber"),
                1.0, "times faster: " + ns("SpawnJoinBenchmark.taskSpawnJoinInFiber") + " vs "
                        + ns("SpawnJoinBenchmark.virtualThreadStartJoinFromVirtual") + " ns"));
        String g5 = "a batch of tasks spawned then joined faster than a batch of virtual threads";
        judge(g5, () -> atLeast(g5, ratio("SpawnJoinBenchmark.virtualThreadStartAllJoinAll", "SpawnJoinBenchmark.taskSpawnAllJoinAll"), 1.0,
                "times faster: " + ns("SpawnJoinBenchmark.taskSpawnAllJoinAll") + " vs "
                        + ns("SpawnJoinBenchmark.virtualThreadStartAllJoinAll") + " ns"));

        out.append("\n## Message ping-pong (ns per round trip)\n\n| benchmark | ns/op |\n|---|---|\n");
        for (String b : List.of("fiberChannel", "fiberQueue", "virtualThreadSynchronousQueue",
                "virtualThreadSynchronousQueueOneCarrier", "bareTrampolineRoundTrip", "bareNestedRoundTrip")) {
            out.append("| ").append(b).append(" | ").append(ns("ChannelBenchmark." + b)).append(" |\n");
        }
        out.append("\nThe two `bare` rows are floors on bare continuations, no Loomlet code: `bareTrampolineRoundTrip`, both "
                + "sides resumed by a loop (a run + yield of each), is the least any design pays in which the loop resumes a "
                + "woken fiber; `bareNestedRoundTrip`, one side run nested on the other's stack (one run + yield), is the "
                + "direct handoff, which Loomlet does not do: the JDK lets a continuation run nested take the monitors of "
                + "the one below it (BENCHMARKS.md, \"Ping-pong: the direct handoff\").\n");
        String floor = jmh.containsKey("ChannelBenchmark.bareTrampolineRoundTrip")
                ? "; the loop-resumed floor in this run: " + ns("ChannelBenchmark.bareTrampolineRoundTrip") + " ns" : "";
        for (String b : List.of("fiberChannel", "fiberQueue")) {
            String n = "ChannelBenchmark." + b;
            double[] sc = jmh.get(n);
            if (sc == null) {
                verdict(b + " ping-pong at most 150 ns per round trip (#10)", "no result", n + " is not in this run");
                continue;
            }
            double hi = sc[0] + (Double.isNaN(sc[1]) ? Double.POSITIVE_INFINITY : sc[1]);
            double lo = sc[0] - (Double.isNaN(sc[1]) ? Double.POSITIVE_INFINITY : sc[1]);
            verdict(b + " ping-pong at most 150 ns per round trip (#10)",
                    hi <= 150 ? "**met**" : lo > 150 ? "**not met**" : "indicative (within error)", ns(n) + " ns" + floor);
        }

        out.append("\n## Sleep and wake (ns per sleeper, or per operation)\n\n| benchmark | ns/op |\n|---|---|\n");
        for (String b : List.of("fibers100kSleep", "virtualThreads100kSleep", "wakeSleepZero", "timerOneNanosecond")) {
            out.append("| ").append(b).append(" | ").append(ns("SleepWakeBenchmark." + b)).append(" |\n");
        }
        String g6 = "100,000 fibers sleeping 1 ms cost less per sleeper than 100,000 virtual threads (#10)";
        judge(g6, () -> atLeast(g6, ratio("SleepWakeBenchmark.virtualThreads100kSleep", "SleepWakeBenchmark.fibers100kSleep"), 1.0,
                "times cheaper: " + ns("SleepWakeBenchmark.fibers100kSleep") + " vs "
                        + ns("SleepWakeBenchmark.virtualThreads100kSleep") + " ns per sleeper"));

        out.append("\n## Allocation (bytes per operation, JMH -prof gc)\n\n| benchmark | B/op |\n|---|---|\n");
        for (String b : List.of("SwitchBenchmark.bareContinuation", "SwitchBenchmark.fiberPingPong",
                "SleepWakeBenchmark.wakeSleepZero", "SleepWakeBenchmark.timerOneNanosecond", "SpawnJoinBenchmark.taskSpawnJoin")) {
            double[] a = jmh.get(b + ":gc.alloc.rate.norm");
            out.append("| ").append(b).append(" | ").append(a == null ? "n/a" : fmt(a[0])).append(" |\n");
        }
        double[] aSwitch = jmh.get("SwitchBenchmark.fiberPingPong:gc.alloc.rate.norm");
        double[] aBare = jmh.get("SwitchBenchmark.bareContinuation:gc.alloc.rate.norm");
        double[] aWake = jmh.get("SleepWakeBenchmark.wakeSleepZero:gc.alloc.rate.norm");
        double[] aTimer = jmh.get("SleepWakeBenchmark.timerOneNanosecond:gc.alloc.rate.norm");
        if (aSwitch != null && aBare != null && aWake != null && aTimer != null) {
            boolean ok = aSwitch[0] <= aBare[0] + 1 && aWake[0] <= 1 && aTimer[0] <= 1;
            verdict("a switch, a wake and a timer allocate nothing beyond the continuation", ok,
                    String.format(Locale.ROOT, "switch %s B (bare %s B), wake %s B, timer %s B", fmt(aSwitch[0]), fmt(aBare[0]),
                            fmt(aWake[0]), fmt(aTimer[0])));
        }

        out.append("\n## Memory (heap bytes per parked sleeper, 1,000,000 of each, same JVM flags)\n\n")
                .append("| kind | bytes each, median (min–max over runs) |\n|---|---|\n");
        memory.forEach((k, v) -> out.append("| ").append(switch (k) {
            case "fiber" -> "Fiber parked in sleep";
            case "task" -> "Task (spawned) parked in sleep";
            default -> "virtual thread in Thread.sleep";
        }).append(" | ").append(spread(v)).append(" |\n"));
        if (memory.containsKey("fiber")) {
            List<Long> f = memory.get("fiber");
            long max = f.stream().mapToLong(Long::longValue).max().orElse(Long.MAX_VALUE);
            long min = f.stream().mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE);
            verdict("1,000,000 fibers parked in sleep: at most 320 heap bytes each (#10)",
                    max <= 320 ? "**met**" : min > 320 ? "**not met**" : "indicative (runs on both sides)",
                    spread(f) + " B per fiber (task: " + spread(memory.get("task")) + " B, virtual thread: "
                            + spread(memory.get("vthread")) + " B)");
        }

        echoSection();
        connectionsSection();

        out.append("\n## Verdicts (DESIGN.md's and #10's performance goals)\n\n| goal | verdict | measured |\n|---|---|---|\n");
        verdicts.forEach(v -> out.append(v).append('\n'));
        out.append("\nReproduce: `").append(command).append(careful ? " --careful` (about 50 minutes on 2 cores)" : "` (about 8 minutes on 2 cores)")
                .append(". Each ratio compares numbers from this one run. Not in this report: the 5,000-client tail "
                        + "(`./loomlet bench-echo --connections 5000`), written up by hand above.\n");
        return out.toString();
    }

    /** What each echo server is, in the report's table. */
    private static final Map<String, String> ECHO_SERVERS = new LinkedHashMap<>();

    static {
        ECHO_SERVERS.put("hub", "StreamServer, one hub");
        ECHO_SERVERS.put("nio", "bare NIO selector loop, one thread (baseline)");
        ECHO_SERVERS.put("vthreads1", "thread per connection, virtual threads, one carrier");
        ECHO_SERVERS.put("threads", "thread per connection, platform threads");
        ECHO_SERVERS.put("legacy", "unmodified LegacyEchoServer under the launcher (all,thread)");
        ECHO_SERVERS.put("hubgroup2", "StreamServer, HubGroup of 2 (unpinned, every core shared with the client)");
        ECHO_SERVERS.put("vthreads", "thread per connection, virtual threads, the JDK's default carriers (one per core; "
                + "unpinned, shared with the client)");
    }

    private void echoSection() {
        out.append("\n## Echo, 500 connections, independent client (`NioEchoHarness`)\n\n")
                .append("The client is plain `java.nio` with no Loomlet code, in its own JVM; each server runs in a fresh JVM. ")
                .append(pinnedNote())
                .append(" A round runs each server once, in turn (in reverse every other round, in runs since that was ")
                .append("added); per-round values are in round order.\n\n")
                .append("| server | round trips/s, median (per round) | p50 / p99 / p99.9 µs, medians | max µs | errors | ")
                .append("server CPU µs per round trip, median | noisy windows |\n|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, List<EchoRun>> e : echo.entrySet()) {
            List<EchoRun> rs = e.getValue();
            List<String> each = new ArrayList<>();
            rs.forEach(r -> each.add(fmt(r.rps())));
            String label = ECHO_SERVERS.getOrDefault(e.getKey(), e.getKey());
            label += echoPinned(e.getKey()) ? ", pinned" : label.contains("unpinned") ? "" : ", unpinned";
            out.append("| ").append(label).append(" | ")
                    .append(fmt(median(rs.stream().map(EchoRun::rps).toList()))).append(" (").append(String.join(", ", each))
                    .append(") | ").append(fmt(median(rs.stream().map(EchoRun::p50).toList()))).append(" / ")
                    .append(fmt(median(rs.stream().map(EchoRun::p99).toList()))).append(" / ")
                    .append(fmt(median(rs.stream().map(EchoRun::p999).toList()))).append(" | ")
                    .append(fmt(rs.stream().mapToDouble(EchoRun::maxUs).max().orElse(Double.NaN))).append(" | ")
                    .append(rs.stream().mapToLong(EchoRun::errors).sum()).append(" | ")
                    .append(String.format(Locale.ROOT, "%.2f", median(rs.stream().map(EchoRun::serverCpuUsPerRt).toList())))
                    .append(" | ").append(rs.stream().filter(r -> !(r.otherCpu() < NOISY_OTHER_CPU)).count()).append(" of ")
                    .append(rs.size()).append(" |\n");
        }
        out.append("\nA window is noisy when the rest of the machine took 0.2 CPU s/s or more during it. Ratios below are ")
                .append("per round (paired), mean ± 95% Student-t interval, leaving out the rounds in which either server's ")
                .append("window was noisy; by the server's CPU per round trip, the other server's over the hub's.\n");
        if (interleavedExpected) {
            interleavedSection();
            String pinned = interleavedPinned ? "pinned" : "NOT pinned";
            String g1 = "echo: one hub at least 0.95x the bare NIO loop, independent client, " + pinned + " (#10)";
            judge(g1, () -> interleavedAtLeast(g1, "hub", "nio", 0.95));
            String g2 = "echo: one hub at least 1.2x virtual threads on one carrier, independent client, " + pinned + " (#10)";
            judge(g2, () -> interleavedAtLeast(g2, "hub", "vthreads1", 1.2));
            String g3 = "echo: one hub at least 0.8x the bare NIO loop (DESIGN.md)";
            judge(g3, () -> interleavedAtLeast(g3, "hub", "nio", 0.8));
        } else {
            String g1 = "echo: one hub at least 0.95x the bare NIO loop, independent client, " + pinnedOrNot("hub", "nio")
                    + " (#10)";
            judge(g1, () -> echoAtLeast(g1, "hub", "nio", 0.95, "; by server CPU per round trip "
                    + echoRatio("hub", "nio", true).show() + "x"));
            String g2 = "echo: one hub at least 1.2x virtual threads on one carrier, independent client, "
                    + pinnedOrNot("hub", "vthreads1") + " (#10)";
            judge(g2, () -> echoAtLeast(g2, "hub", "vthreads1", 1.2, "; by server CPU per round trip "
                    + echoRatio("hub", "vthreads1", true).show() + "x"));
            String g3 = "echo: one hub at least 0.8x the bare NIO loop (DESIGN.md)";
            judge(g3, () -> echoAtLeast(g3, "hub", "nio", 0.8, ""));
        }
        String g4 = "echo: the unmodified LegacyEchoServer under the launcher at least 0.8x StreamServer (#12)";
        judge(g4, () -> echoAtLeast(g4, "legacy", "hub", 0.8, ""));
        String g5 = "echo: HubGroup of 2 at least virtual threads on the default carriers (unpinned)";
        judge(g5, () -> echoAtLeast(g5, "hubgroup2", "vthreads", 1.0, ""));
        if (!echo.isEmpty()) {
            long errors = echo.values().stream().flatMap(List::stream).mapToLong(r -> Math.max(0, r.errors())).sum();
            long unknown = echo.values().stream().flatMap(List::stream).filter(r -> r.errors() < 0).count();
            long windowErrors = interleaved.stream().mapToLong(Interleaved::errors).sum();
            verdict("echo: no errors (connects, resets, wrong or short echoes, EOFs)", unknown > 0 ? "no result"
                    : errors + windowErrors == 0 ? "**met**" : "**not met**", errors + " in "
                            + echo.values().stream().mapToInt(List::size).sum() + " runs"
                            + (interleaved.isEmpty() ? "" : ", " + windowErrors + " in " + interleaved.size() + " interleaved windows")
                            + (unknown > 0 ? "; " + unknown + " runs did not say" : ""));
        }
    }

    private void interleavedSection() {
        out.append("\n## Echo, windows interleaved (`InterleavedEchoHarness`)\n\n");
        if (interleaved.isEmpty()) {
            out.append("No result: the interleaved harness wrote nothing in this run (see interleaved.log).\n");
            return;
        }
        out.append("All servers run at once, one JVM each, ").append(interleavedPinned ? "pinned to one CPU, the client to another"
                : "NOT pinned").append("; the same plain-NIO client drives one server at a time for a window, in an order that ")
                .append("rotates every cycle, so the machine's drift reaches every server alike. Ratios below are cycle by cycle; ")
                .append("their interval is the wider of Student's t over the rounds' means (fresh JVMs each round) and over all ")
                .append("cycles pooled.\n\n| server | windows | round trips/s, median | server CPU µs per round trip, median | ")
                .append("errors |\n|---|---|---|---|---|\n");
        Map<String, List<Interleaved>> byServer = new LinkedHashMap<>();
        interleaved.forEach(w -> byServer.computeIfAbsent(w.server(), k -> new ArrayList<>()).add(w));
        for (Map.Entry<String, List<Interleaved>> e : byServer.entrySet()) {
            List<Interleaved> ws = e.getValue();
            out.append("| ").append(ECHO_SERVERS.getOrDefault(e.getKey(), e.getKey())).append(" | ").append(ws.size())
                    .append(" | ").append(fmt(median(ws.stream().map(Interleaved::rps).toList()))).append(" | ")
                    .append(String.format(Locale.ROOT, "%.2f", median(ws.stream().map(Interleaved::cpuUsPerRt).toList())))
                    .append(" | ").append(ws.stream().mapToLong(Interleaved::errors).sum()).append(" |\n");
        }
    }

    /** "pinned" when both servers' runs all were, "NOT pinned" when one of them ran and was not. */
    private String pinnedOrNot(String a, String b) {
        boolean ran = echo.containsKey(a) && echo.containsKey(b);
        return !ran || echoPinned(a) && echoPinned(b) ? "pinned" : "NOT pinned";
    }

    private boolean echoPinned(String server) {
        List<EchoRun> r = echo.get(server);
        return r != null && !r.isEmpty() && r.stream().allMatch(EchoRun::pinned);
    }

    private String pinnedNote() {
        boolean any = echo.values().stream().flatMap(List::stream).anyMatch(EchoRun::pinned);
        return any ? "Servers marked pinned ran on a CPU of their own and the client on another (`taskset`); the rest ran "
                + "unpinned, sharing every core with the client."
                : "No server ran pinned in this run (no `taskset`, or one CPU): the verdicts that ask for pinning say so.";
    }

    static String spread(List<Long> v) {
        if (v == null || v.isEmpty()) {
            return "n/a";
        }
        List<Double> d = new ArrayList<>();
        v.forEach(x -> d.add(x.doubleValue()));
        long min = v.stream().mapToLong(Long::longValue).min().orElse(0);
        long max = v.stream().mapToLong(Long::longValue).max().orElse(0);
        return v.size() == 1 ? String.valueOf(v.get(0)) : String.format(Locale.ROOT, "%.0f (%d–%d)", median(d), min, max);
    }

    static String cpu() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    return l.substring(l.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }
}
