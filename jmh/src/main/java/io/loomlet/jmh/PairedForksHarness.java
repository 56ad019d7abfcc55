package io.loomlet.jmh;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs pairs of JMH benchmarks fork against fork, one right after the other, the order swapped every
 * round, so that a ratio of the two compares forks seconds apart instead of minutes (#10 item 1).
 * This machine's speed drifts by tens of percent from one minute to the next: in a JMH run, which
 * measures all forks of one benchmark before the next, that drift goes into every ratio of two
 * benchmarks, and with it the error that decides a verdict (the fiber switch against a bare
 * continuation: 1.18 ± 0.19x). Each round gives one ratio per pair, from two fresh JVMs; the
 * interval over the rounds (Student's t) is the verdict's.
 *
 * <p>Args: {@code --pair A,B} (benchmark names as in JMH's CSV, e.g.
 * {@code SwitchBenchmark.fiberPingPong,SwitchBenchmark.bareContinuation}; repeatable), {@code
 * --rounds N} (default 10), {@code --warmup N} and {@code --iterations N} (1 s iterations; default 3
 * and 5), {@code --csv FILE} (required). The CSV: {@link #CSV_HEADER}, a row per fork; a fork that
 * fails leaves its round's pair out (the log says why) and the others go on. Each fork keeps its
 * benchmark's own {@code @Fork} JVM flags.
 */
public final class PairedForksHarness {
    public static final String CSV_HEADER = "round,pair,position,benchmark,score_ns,error_ns";

    record Pair(String a, String b) {
        String label() {
            return a + "/" + b;
        }
    }

    private PairedForksHarness() {
    }

    public static void main(String[] args) throws IOException {
        List<Pair> pairs = new ArrayList<>();
        int rounds = 10;
        int warmup = 3;
        int iterations = 5;
        Path csv = null;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--pair" -> {
                    String[] ab = need(v, "--pair").split(",");
                    if (ab.length != 2 || ab[0].isBlank() || ab[1].isBlank()) {
                        throw new IllegalArgumentException("--pair wants two benchmark names, A,B: " + v);
                    }
                    pairs.add(new Pair(ab[0].trim(), ab[1].trim()));
                    i++;
                }
                case "--rounds" -> {
                    rounds = positive(need(v, "--rounds"), "--rounds");
                    i++;
                }
                case "--warmup" -> {
                    warmup = Integer.parseInt(need(v, "--warmup"));
                    i++;
                }
                case "--iterations" -> {
                    iterations = positive(need(v, "--iterations"), "--iterations");
                    i++;
                }
                case "--csv" -> {
                    csv = Path.of(need(v, "--csv"));
                    i++;
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (known: --pair A,B --rounds N --warmup N --iterations N --csv FILE)");
            }
        }
        if (pairs.isEmpty() || csv == null) {
            throw new IllegalArgumentException("usage: PairedForksHarness --pair A,B [--pair C,D] [--rounds 10] "
                    + "[--warmup 3] [--iterations 5] --csv FILE");
        }
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(csv, StandardCharsets.UTF_8))) {
            w.println(CSV_HEADER);
            w.flush();
            for (int round = 1; round <= rounds; round++) {
                for (Pair p : pairs) {
                    // the order alternates, so that a trend within a round (the machine slowing down)
                    // favours each side of the pair equally often
                    List<String> order = round % 2 == 1 ? List.of(p.a(), p.b()) : List.of(p.b(), p.a());
                    List<String> rows = new ArrayList<>();
                    for (int pos = 0; pos < 2; pos++) {
                        String bench = order.get(pos);
                        double[] r = runFork(bench, warmup, iterations);
                        if (r == null) {
                            rows.clear();
                            break;
                        }
                        rows.add(String.format(Locale.ROOT, "%d,%s,%d,%s,%.3f,%.3f", round, p.label(), pos + 1, bench, r[0],
                                r[1]));
                        System.out.printf(Locale.ROOT, "round %d %s: %.1f ± %.1f ns%n", round, bench, r[0], r[1]);
                    }
                    rows.forEach(w::println);
                    w.flush();
                }
            }
        }
    }

    /** One fork of {@code bench}: its score and error in ns, or null if it failed. */
    static double[] runFork(String bench, int warmup, int iterations) {
        Options opt = new OptionsBuilder()
                .include("^" + Pattern.quote("io.loomlet.jmh." + bench) + "$")
                .forks(1)
                .warmupIterations(warmup)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.seconds(1))
                .timeUnit(java.util.concurrent.TimeUnit.NANOSECONDS)
                .verbosity(VerboseMode.SILENT)
                .shouldFailOnError(true)
                .build();
        try {
            Collection<RunResult> results = new Runner(opt).run();
            if (results.isEmpty()) {
                System.out.println("no result for " + bench + " (is the name right? SwitchBenchmark.fiberPingPong, say)");
                return null;
            }
            Result<?> r = results.iterator().next().getPrimaryResult();
            return new double[] {r.getScore(), r.getScoreError()};
        } catch (RunnerException | RuntimeException e) {
            System.out.println("fork of " + bench + " failed: " + e);
            return null;
        }
    }

    private static String need(String v, String flag) {
        if (v == null) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return v;
    }

    private static int positive(String v, String flag) {
        int n = Integer.parseInt(v);
        if (n < 1) {
            throw new IllegalArgumentException(flag + " must be at least 1: " + v);
        }
        return n;
    }
}
