package io.loomlet.jmh.echo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The echo harness with an independent client (issue #10, item 3): {@link NioLoadClient}, plain NIO
 * with no Loomlet code, in a JVM of its own pinned to one CPU, against each echo server in a fresh
 * JVM pinned to another ({@code taskset -c}). Each round runs every server once, in turn; each run is
 * a warm-up, then a measured window. For every run the CSV gets the client's numbers and the CPU time
 * per second of the measured window of the server, of the client and of everything else on the
 * machine (a run that other programs took CPU from is not a clean sample). At the end it prints, and
 * writes beside the CSV ({@code .summary.txt}), each server's medians and per-round values and the
 * ratios of the hub to each other server, paired by round, with 95% confidence intervals (Student t
 * over the per-round ratios).
 *
 * <p>Args: {@code outputCsv agentJar examplesClasses serverClassPath [--rounds 3] [--connections 500]
 * [--size 64] [--warmup 5] [--seconds 10] [--servers hub,nio,vthreads1,threads,legacy]
 * [--server-cpu 0] [--client-cpu 1] [--server-flags "FLAGS"] [--idle-gate PERCENT] [--churn 0]}.
 *
 * <p>With {@code --churn N}, before its measured connections the client opens and closes N short
 * connections against every server (see {@link NioLoadClient}), so that each is measured as a server
 * that has run a while. Not the default: it made no difference to round trips per second that this
 * machine could measure (BENCHMARKS.md, "Connections that start cold").
 *
 * <p>Odd rounds run the servers in the order given, even rounds in reverse. The CSV's last two
 * columns say which CPUs the servers and the client were pinned to ({@code none}: not pinned).
 *
 * <p>Servers: hub, hubgroup2, nio, vthreads, vthreads1 (virtual threads, one carrier), threads,
 * legacy (the unmodified LegacyEchoServer under the launcher, {@code --patch all,thread}). CPUs
 * {@code none} means no pinning. {@code --server-flags} adds JVM flags to every server JVM (split on
 * spaces; {@code {server}} and {@code {round}} are replaced), e.g. a flight recording. With
 * {@code --idle-gate P}, before each round the harness waits (up to an hour) until the machine
 * was at least P% idle over 4 seconds.
 */
public final class NioEchoHarness {
    /** A measured window in which the rest of the machine took this much CPU (s/s) or more is noisy. */
    static final double NOISY_OTHER_CPU = 0.2;

    private NioEchoHarness() {
    }

    record Run(String server, int round, Map<String, String> result, double serverCpu, double clientCpu,
            double otherCpu, double serverReads, double serverWrites) {
        double get(String key) {
            return Double.parseDouble(result.get(key));
        }

        double rtPerSecond() {
            return get("rtPerSecond");
        }

        boolean noisy() {
            return !(otherCpu < NOISY_OTHER_CPU);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            throw new IllegalArgumentException("args: outputCsv agentJar examplesClasses serverClassPath [options]");
        }
        Path out = Path.of(args[0]);
        String agent = args[1];
        String examplesClasses = args[2];
        String cp = args[3];
        Map<String, String> opt = new HashMap<>(Map.of("--rounds", "3", "--connections", "500", "--size", "64",
                "--warmup", "5", "--seconds", "10", "--servers", "hub,nio,vthreads1,threads,legacy", "--server-cpu", "0",
                "--client-cpu", "1", "--server-flags", "", "--idle-gate", "0"));
        opt.put("--churn", "0");
        for (int i = 4; i < args.length; i += 2) {
            if (!opt.containsKey(args[i]) || i + 1 >= args.length) {
                throw new IllegalArgumentException("unknown option or no value: " + args[i] + " (options: " + opt.keySet() + ")");
            }
            opt.put(args[i], args[i + 1]);
        }
        int rounds = Integer.parseInt(opt.get("--rounds"));
        String java = ProcessHandle.current().info().command().orElse("java");
        Map<String, List<String>> known = serverCommands(agent, examplesClasses, cp);
        List<String> servers = List.of(opt.get("--servers").split(","));
        for (String s : servers) {
            if (!known.containsKey(s)) {
                throw new IllegalArgumentException("unknown server " + s + " (known: " + known.keySet() + ")");
            }
        }
        List<String> serverFlags = SERVER_FLAGS;
        List<String> clientCmd = new ArrayList<>(pin(opt.get("--client-cpu")));
        clientCmd.addAll(List.of(java, "-Xmx512m", "-XX:+UseParallelGC", "-cp", cp, NioLoadClient.class.getName(),
                "--connections", opt.get("--connections"), "--size", opt.get("--size"), "--warmup", opt.get("--warmup"),
                "--seconds", opt.get("--seconds"), "--churn", opt.get("--churn")));
        double idleGate = Double.parseDouble(opt.get("--idle-gate"));

        List<Run> runs = new ArrayList<>();
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8))) {
            csv.println("server,round,connections,size,seconds,roundTrips,rtPerSecond,p50us,p99us,p999us,maxUs,errors,"
                    + "connectErrors,resets,badEchoes,eofs,live,serverCpuPerSecond,clientCpuPerSecond,otherCpuPerSecond,"
                    + "serverCpuUsPerRoundTrip,serverReadCallsPerRoundTrip,serverWriteCallsPerRoundTrip,serverCpus,clientCpus,"
                    + "churn");
            for (int round = 1; round <= rounds; round++) {
                if (idleGate > 0) {
                    waitForIdle(idleGate);
                }
                // Every other round runs the servers in reverse order, so that no server always runs first
                // (or always right after another) while the machine's speed drifts.
                List<String> order = round % 2 == 1 ? servers : servers.reversed();
                for (String s : order) {
                    List<String> cmd = new ArrayList<>(pin(opt.get("--server-cpu")));
                    cmd.add(java);
                    cmd.addAll(serverFlags);
                    for (String f : opt.get("--server-flags").split(" ")) {
                        if (!f.isBlank()) {
                            cmd.add(f.replace("{server}", s).replace("{round}", Integer.toString(round)));
                        }
                    }
                    cmd.addAll(known.get(s));
                    Run r = runOnce(s, round, cmd, clientCmd);
                    runs.add(r);
                    csv.printf(Locale.ROOT, "%s,%d,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%.3f,%.3f,%.3f,%.2f,%.3f,%.3f,%s,%s,%s%n", s,
                            round, r.result().get("connections"), r.result().get("size"), r.result().get("seconds"),
                            r.result().get("roundTrips"), r.result().get("rtPerSecond"), r.result().get("p50us"),
                            r.result().get("p99us"), r.result().get("p999us"), r.result().get("maxUs"),
                            r.result().get("errors"), r.result().get("connectErrors"), r.result().get("resets"),
                            r.result().get("badEchoes"), r.result().get("eofs"), r.result().get("live"), r.serverCpu(),
                            r.clientCpu(), r.otherCpu(), r.serverCpu() / r.rtPerSecond() * 1e6,
                            r.serverReads() / r.get("roundTrips"), r.serverWrites() / r.get("roundTrips"),
                            opt.get("--server-cpu").replace(',', ' '), opt.get("--client-cpu").replace(',', ' '), opt.get("--churn"));
                    csv.flush();
                    System.out.printf(Locale.ROOT,
                            "round %d %-9s %9.0f rt/s  p50 %7.1f us  p99 %8.1f us  p99.9 %8.1f us  max %8.1f us  errors %s"
                                    + "  cpu: server %.2f client %.2f other %.2f%n",
                            round, s, r.rtPerSecond(), r.get("p50us"), r.get("p99us"), r.get("p999us"), r.get("maxUs"),
                            r.result().get("errors"), r.serverCpu(), r.clientCpu(), r.otherCpu());
                }
            }
        }
        String summary = summary(runs, servers);
        System.out.print(summary);
        Files.writeString(Path.of(out + ".summary.txt"), summary, StandardCharsets.UTF_8);
    }

    /** The echo servers by name: the JVM arguments after the java command and the common flags. */
    static Map<String, List<String>> serverCommands(String agent, String examplesClasses, String cp) {
        String exports = "--add-exports=java.base/jdk.internal.vm=ALL-UNNAMED";
        String echo = EchoServers.class.getName();
        Map<String, List<String>> known = new LinkedHashMap<>();
        known.put("hub", List.of(exports, "-cp", cp, echo, "hub"));
        known.put("hubgroup2", List.of(exports, "-cp", cp, echo, "hubgroup2"));
        known.put("nio", List.of("-cp", cp, echo, "nio"));
        known.put("vthreads", List.of("-cp", cp, echo, "vthreads"));
        known.put("vthreads1", Stream.concat(Arrays.stream(EchoServers.ONE_CARRIER), Stream.of("-cp", cp, echo, "vthreads1"))
                .toList());
        known.put("threads", List.of("-cp", cp, echo, "threads"));
        known.put("legacy", List.of("-jar", agent, "--patch", "all,thread", "-cp", examplesClasses,
                "io.loomlet.examples.legacy.LegacyEchoServer", "0"));
        return known;
    }

    /** Flags every server JVM gets. */
    static final List<String> SERVER_FLAGS = List.of("--sun-misc-unsafe-memory-access=allow", "-Xmx2g", "-XX:+UseParallelGC");

    static List<String> pin(String cpus) {
        return cpus.equals("none") ? List.of() : List.of("taskset", "-c", cpus);
    }

    /** Starts the server, runs the client against it, samples CPU time over the client's measured window. */
    private static Run runOnce(String server, int round, List<String> serverCmd, List<String> clientCmd) throws Exception {
        Process p = new ProcessBuilder(serverCmd).redirectErrorStream(true).start();
        try {
            BufferedReader sr = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
                try {
                    for (String l; (l = sr.readLine()) != null; ) {
                        if (l.contains("listening on port ")) {
                            return l;
                        }
                        System.err.println("[" + server + "] " + l); // e.g. JFR's start-up lines
                    }
                    return null;
                } catch (IOException e) {
                    return null;
                }
            });
            String line = first.get(60, TimeUnit.SECONDS);
            if (line == null || !line.contains("listening on port ")) {
                throw new IllegalStateException(server + " did not start: " + line);
            }
            int port = Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1));
            Thread drain = Thread.ofPlatform().daemon().start(() -> {
                try {
                    for (String l; (l = sr.readLine()) != null; ) {
                        System.err.println("[" + server + "] " + l);
                    }
                } catch (IOException e) {
                    // the server is gone
                }
            });
            List<String> cmd = new ArrayList<>(clientCmd);
            cmd.addAll(List.of("--port", Integer.toString(port)));
            Process c = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try {
                BufferedReader cr = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
                double server0 = Double.NaN;
                double client0 = Double.NaN;
                double self0 = Double.NaN;
                double busy0 = Double.NaN;
                long[] io0 = null;
                long t0 = 0;
                double[] window = null; // server, client, other CPU s/s; server reads, writes
                for (String l; (l = cr.readLine()) != null; ) {
                    if (l.equals("MEASURING")) {
                        server0 = cpuSeconds(p.toHandle());
                        io0 = ioCalls(p.toHandle());
                        client0 = cpuSeconds(c.toHandle());
                        self0 = selfCpuSeconds();
                        busy0 = MachineCpu.busySeconds();
                        t0 = System.nanoTime();
                    } else if (l.equals("MEASURED")) {
                        double secs = (System.nanoTime() - t0) / 1e9;
                        double serverCpu = cpuSeconds(p.toHandle()) - server0;
                        long[] io1 = ioCalls(p.toHandle());
                        double clientCpu = cpuSeconds(c.toHandle()) - client0;
                        double self = selfCpuSeconds() - self0;
                        double other = Math.max(0, MachineCpu.busySeconds() - busy0 - serverCpu - clientCpu - self);
                        window = new double[] {serverCpu / secs, clientCpu / secs, other / secs, io1[0] - io0[0],
                            io1[1] - io0[1]};
                    } else if (l.startsWith("RESULT ") && window != null) {
                        Map<String, String> res = new LinkedHashMap<>();
                        for (String kv : l.substring(7).split(" ")) {
                            int eq = kv.indexOf('=');
                            res.put(kv.substring(0, eq), kv.substring(eq + 1));
                        }
                        if (!c.waitFor(30, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("the client did not exit");
                        }
                        return new Run(server, round, res, window[0], window[1], window[2], window[3], window[4]);
                    } else {
                        System.err.println("[client] " + l);
                    }
                }
                throw new IllegalStateException("the client against " + server + " ended without a result (exit "
                        + c.waitFor() + ")");
            } finally {
                c.destroy();
                if (!c.waitFor(10, TimeUnit.SECONDS)) {
                    c.destroyForcibly();
                }
                drain.interrupt();
            }
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** CPU time of a process and its descendants so far, in seconds (NaN if the OS does not say). */
    private static double cpuSeconds(ProcessHandle h) {
        double sum = h.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
        for (ProcessHandle d : h.descendants().toList()) {
            sum += d.info().totalCpuDuration().map(x -> x.toNanos() / 1e9).orElse(0.0);
        }
        return sum;
    }

    /**
     * The read and write system calls of a process and its descendants so far (Linux's
     * {@code /proc/PID/io}, syscr and syscw: a read that finds nothing counts too); -1 elsewhere.
     */
    private static long[] ioCalls(ProcessHandle h) {
        long[] sum = {0, 0};
        for (ProcessHandle x : Stream.concat(Stream.of(h), h.descendants()).toList()) {
            try {
                for (String l : Files.readAllLines(Path.of("/proc/" + x.pid() + "/io"))) {
                    if (l.startsWith("syscr:")) {
                        sum[0] += Long.parseLong(l.substring(6).trim());
                    } else if (l.startsWith("syscw:")) {
                        sum[1] += Long.parseLong(l.substring(6).trim());
                    }
                }
            } catch (IOException | RuntimeException e) {
                return new long[] {-1, -1};
            }
        }
        return sum;
    }

    private static double selfCpuSeconds() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime() / 1e9;
        }
        return 0;
    }

    /** Waits until the whole machine was at least {@code percent}% idle over 4 s (gives up after an hour). */
    private static void waitForIdle(double percent) throws InterruptedException {
        int cpus = Runtime.getRuntime().availableProcessors();
        long giveUp = System.nanoTime() + TimeUnit.MINUTES.toNanos(60);
        while (true) {
            double b0 = MachineCpu.busySeconds();
            long t0 = System.nanoTime();
            Thread.sleep(4000);
            double idle = 100 * (1 - (MachineCpu.busySeconds() - b0) / ((System.nanoTime() - t0) / 1e9 * cpus));
            if (!(idle < percent)) {
                return;
            }
            System.err.printf(Locale.ROOT, "idle gate: machine %.0f%% idle, want %.0f%%; waiting%n", idle, percent);
            if (System.nanoTime() > giveUp) {
                System.err.println("idle gate: gave up waiting, running anyway");
                return;
            }
        }
    }

    // ---- the summary

    static String summary(List<Run> runs, List<String> servers) {
        StringBuilder sb = new StringBuilder();
        int rounds = runs.stream().mapToInt(Run::round).max().orElse(0);
        sb.append(String.format(Locale.ROOT, "%n%d rounds; a run is noisy when the rest of the machine took %.1f CPU s/s"
                + " or more%n%n", rounds, NOISY_OTHER_CPU));
        sb.append("| server | rt/s median | rt/s per round | p50 µs | p99 µs | p99.9 µs | max µs | errors |"
                + " server CPU s/s | client CPU s/s | server CPU µs/rt | server reads+writes/rt |"
                + " other CPU s/s per round |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (String s : servers) {
            List<Run> rs = runs.stream().filter(r -> r.server().equals(s)).toList();
            sb.append(String.format(Locale.ROOT, "| %s | %,.0f | %s | %.0f | %.0f | %.0f | %.0f | %d | %.2f | %.2f | %.2f | %.2f+%.2f | %s |%n",
                    s, median(rs, Run::rtPerSecond), join(rs, r -> String.format(Locale.ROOT, "%,.0f", r.rtPerSecond())),
                    median(rs, r -> r.get("p50us")), median(rs, r -> r.get("p99us")), median(rs, r -> r.get("p999us")),
                    rs.stream().mapToDouble(r -> r.get("maxUs")).max().orElse(Double.NaN),
                    rs.stream().mapToLong(r -> (long) r.get("errors")).sum(), median(rs, Run::serverCpu),
                    median(rs, Run::clientCpu), median(rs, r -> r.serverCpu() / r.rtPerSecond() * 1e6),
                    median(rs, r -> r.serverReads() / r.get("roundTrips")),
                    median(rs, r -> r.serverWrites() / r.get("roundTrips")),
                    join(rs, r -> String.format(Locale.ROOT, "%.2f", r.otherCpu()))));
        }
        sb.append("\n(p50, p99, p99.9: medians over the rounds; max: the largest of any round)\n\n");
        if (servers.contains("hub")) {
            sb.append("| ratio | per round | mean ± 95% CI (t) | goal | verdict |\n|---|---|---|---|---|\n");
            for (String s : servers) {
                if (s.equals("hub")) {
                    continue;
                }
                double goal = s.equals("nio") ? 0.95 : s.equals("vthreads1") ? 1.2 : Double.NaN;
                sb.append(ratioRow(runs, s, goal, false, false));
                if (runs.stream().anyMatch(Run::noisy)) {
                    String clean = ratioRow(runs, s, goal, true, false);
                    if (clean != null) {
                        sb.append(clean);
                    }
                }
            }
            sb.append("\nBy the server's CPU time per round trip (the other server's over the hub's, so above 1 means"
                    + " the hub needs less CPU per round trip; it does not depend on how fast the client is):\n\n");
            sb.append("| ratio | per round | mean ± 95% CI (t) | goal | verdict |\n|---|---|---|---|---|\n");
            for (String s : servers) {
                if (!s.equals("hub")) {
                    sb.append(ratioRow(runs, s, s.equals("nio") ? 0.95 : s.equals("vthreads1") ? 1.2 : Double.NaN, false,
                            true));
                }
            }
        }
        return sb.toString();
    }

    private static String ratioRow(List<Run> runs, String other, double goal, boolean cleanOnly, boolean byCpu) {
        List<Double> ratios = new ArrayList<>();
        List<String> each = new ArrayList<>();
        int rounds = runs.stream().mapToInt(Run::round).max().orElse(0);
        for (int round = 1; round <= rounds; round++) {
            int rd = round;
            Run hub = runs.stream().filter(r -> r.round() == rd && r.server().equals("hub")).findFirst().orElse(null);
            Run o = runs.stream().filter(r -> r.round() == rd && r.server().equals(other)).findFirst().orElse(null);
            if (hub == null || o == null || (cleanOnly && (hub.noisy() || o.noisy()))) {
                continue;
            }
            double q = byCpu ? cpuPerRoundTrip(o) / cpuPerRoundTrip(hub) : hub.rtPerSecond() / o.rtPerSecond();
            ratios.add(q);
            each.add(String.format(Locale.ROOT, "%.3f", q));
        }
        int n = ratios.size();
        if (n == 0 && cleanOnly) {
            return null;
        }
        double mean = ratios.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double sd = Math.sqrt(ratios.stream().mapToDouble(q -> (q - mean) * (q - mean)).sum() / Math.max(1, n - 1));
        double half = n > 1 ? t975(n - 1) * sd / Math.sqrt(n) : Double.NaN;
        String verdict;
        if (Double.isNaN(goal)) {
            verdict = "-";
        } else if (n < 2) {
            verdict = "indicative (fewer than 2 rounds)";
        } else if (mean - half >= goal) {
            verdict = "met";
        } else if (mean + half < goal) {
            verdict = "not met";
        } else {
            verdict = "indicative (the interval contains the goal)";
        }
        return String.format(Locale.ROOT, "| hub/%s%s%s | %s | %.3f ± %.3f | %s | %s |%n", other,
                byCpu ? " (CPU per round trip)" : "",
                cleanOnly ? " (clean rounds, n=" + n + ")" : "", String.join(", ", each), mean, half,
                Double.isNaN(goal) ? "-" : String.format(Locale.ROOT, "≥ %.2f", goal), verdict);
    }

    private static double cpuPerRoundTrip(Run r) {
        return r.serverCpu() / r.rtPerSecond();
    }

    /** The 97.5% quantile of Student's t with df degrees of freedom. */
    static double t975(int df) {
        double[] t = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
            2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
        return df <= t.length ? t[df - 1] : df <= 60 ? 2.021 : df <= 120 ? 2.000 : 1.980; // rounded up
    }

    private static double median(List<Run> rs, java.util.function.ToDoubleFunction<Run> f) {
        double[] v = rs.stream().mapToDouble(f).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String join(List<Run> rs, java.util.function.Function<Run, String> f) {
        return String.join(", ", rs.stream().map(f).toList());
    }
}
