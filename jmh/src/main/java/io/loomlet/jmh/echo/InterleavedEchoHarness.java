package io.loomlet.jmh.echo;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Echo servers compared window against window while all of them run (issue #10 item 4), so that
 * the machine's drift, which moves the sequential harness's ratios ({@link NioEchoHarness}: one
 * server JVM after another, each measured for 10 s) by more than the goals' margins, enters every
 * server's windows alike.
 *
 * <p>A round starts one fresh JVM per server, all pinned to the server CPU (this JVM, the client,
 * pins itself to another), opens N connections to each and warms each up alone. Then cycles: in
 * each cycle every server is driven alone for one window (its connections, one message in flight
 * each; the others' connections stay open and idle, which costs an idle server nothing but its
 * selector's registrations). The order rotates from cycle to cycle and reverses every other lap,
 * so that no server always goes first or always follows the same one. Each cycle gives the first
 * server's round trips/s over each other's; a round's ratio is the mean over its cycles. The
 * verdict's interval is Student's t over the rounds (fresh JVMs each: what the JIT decided in one
 * JVM is part of the error), and the pooled interval over every cycle is printed beside it.
 *
 * <p>Also per window: the server's CPU time (a saturated server is at about 1 CPU s/s) and its CPU
 * per round trip over the whole window (echoes in the uncounted start and the drain included), a
 * measure the client's own speed does not move. Plain {@code java.nio} client, no Loomlet code;
 * loopback only; every echo checked; bounded: each window, each start and the drain.
 *
 * <p>Args: {@code agentJar examplesClasses serverClassPath [--servers hub,nio,vthreads1]
 * [--rounds 3] [--cycles 12] [--window 3] [--warmup 10] [--connections 500] [--size 64]
 * [--server-cpu 0] [--client-cpu 1] [--csv FILE]}. The first server is the one the ratios are of.
 * Exit status 1 on any error.
 */
public final class InterleavedEchoHarness {
    /** Header of the {@code --csv} file: one row per window. */
    public static final String CSV_HEADER = "round,cycle,position,server,rt_per_s,server_cpu_per_s,server_cpu_us_per_rt,errors,pinned";

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            throw new IllegalArgumentException("args: agentJar examplesClasses serverClassPath [options]");
        }
        Map<String, String> opt = new HashMap<>(Map.of("--servers", "hub,nio,vthreads1", "--rounds", "3", "--cycles", "12",
                "--window", "3", "--warmup", "10", "--connections", "500", "--size", "64", "--server-cpu", "0",
                "--client-cpu", "1", "--csv", ""));
        for (int i = 3; i < args.length; i += 2) {
            if (!opt.containsKey(args[i]) || i + 1 >= args.length) {
                throw new IllegalArgumentException("unknown option or no value: " + args[i] + " (options: " + opt.keySet() + ")");
            }
            opt.put(args[i], args[i + 1]);
        }
        int rounds = Integer.parseInt(opt.get("--rounds"));
        int cycles = Integer.parseInt(opt.get("--cycles"));
        double window = Double.parseDouble(opt.get("--window"));
        double warmup = Double.parseDouble(opt.get("--warmup"));
        int n = Integer.parseInt(opt.get("--connections"));
        int size = Integer.parseInt(opt.get("--size"));
        List<String> servers = List.of(opt.get("--servers").split(","));
        if (rounds < 1 || cycles < 2 || window <= 0.3 || warmup < 0 || n < 1 || size < 1 || size > 65536
                || servers.size() < 2 || servers.stream().distinct().count() != servers.size()) {
            throw new IllegalArgumentException("need --rounds >= 1, --cycles >= 2, --window > 0.3, --warmup >= 0, "
                    + "--connections >= 1, --size 1..65536, and at least two different --servers");
        }
        Map<String, List<String>> known = NioEchoHarness.serverCommands(args[0], args[1], args[2]);
        for (String s : servers) {
            if (!known.containsKey(s)) {
                throw new IllegalArgumentException("unknown server " + s + " (known: " + known.keySet() + ")");
            }
        }
        if (!opt.get("--client-cpu").equals("none")) {
            Process tp = new ProcessBuilder("taskset", "-a", "-cp", opt.get("--client-cpu"),
                    Long.toString(ProcessHandle.current().pid())).redirectErrorStream(true).start();
            tp.getInputStream().readAllBytes();
            if (tp.waitFor() != 0) {
                throw new IllegalStateException("taskset could not pin the client to CPU " + opt.get("--client-cpu"));
            }
        }
        // The servers do not exit by themselves: whatever ends this JVM short of SIGKILL takes them along.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> ProcessHandle.current().descendants()
                .forEach(ProcessHandle::destroyForcibly)));
        List<Window> all = new ArrayList<>();
        boolean ok = true;
        for (int round = 1; round <= rounds; round++) {
            try {
                ok &= round(round, servers, known, opt.get("--server-cpu"), n, size, warmup, window, cycles, all);
            } catch (Exception e) {
                // this round's result is lost, not the others'
                System.out.println("interleaved: round " + round + " FAILED: " + e);
                ok = false;
            }
        }
        if (!opt.get("--csv").isEmpty()) {
            writeCsv(Path.of(opt.get("--csv")), all, !opt.get("--server-cpu").equals("none") && !opt.get("--client-cpu").equals("none"));
        }
        System.out.print(summary(all, servers, rounds, cycles, window, n, size));
        System.out.println(ok ? "interleaved: no errors" : "interleaved: ERRORS (see above)");
        System.out.flush();
        System.exit(ok ? 0 : 1);
    }

    /** One measured window of one server. */
    record Window(int round, int cycle, int position, String server, double rtPerSecond, double cpuPerSecond,
            double cpuMicrosPerRt, long errors) {
    }

    /** One round: fresh server JVMs, warm-up, the cycles; false when anything went wrong. */
    private static boolean round(int round, List<String> servers, Map<String, List<String>> known, String serverCpu, int n,
            int size, double warmup, double window, int cycles, List<Window> out) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Map<String, Process> procs = new LinkedHashMap<>();
        Map<String, WindowClient> clients = new LinkedHashMap<>();
        Map<String, List<WindowClient.Conn>> sets = new LinkedHashMap<>();
        try {
            for (String s : servers) {
                List<String> cmd = new ArrayList<>(NioEchoHarness.pin(serverCpu));
                cmd.add(java);
                cmd.addAll(NioEchoHarness.SERVER_FLAGS);
                cmd.addAll(known.get(s));
                procs.put(s, new ProcessBuilder(cmd).redirectErrorStream(true).start());
            }
            for (String s : servers) {
                Process p = procs.get(s);
                int port = CompletableFuture.supplyAsync(() -> WindowClient.awaitPort(s, p)).get(60, TimeUnit.SECONDS);
                WindowClient c = new WindowClient("interleaved " + s, new InetSocketAddress("127.0.0.1", port), size);
                clients.put(s, c);
                List<WindowClient.Conn> set = new ArrayList<>();
                sets.put(s, set);
                c.open(set, n, 0);
            }
            for (String s : servers) {
                double rt = clients.get(s).drive(sets.get(s), Math.max(0.5, warmup));
                System.out.printf(Locale.ROOT, "round %d warm-up %-10s %,.0f rt/s%n", round, s, rt);
            }
            int k = servers.size();
            for (int cycle = 0; cycle < cycles; cycle++) {
                // Rotate every cycle, reverse every other lap of k cycles: each server takes every
                // position, after each of the others, equally often over 2k cycles.
                List<String> order = new ArrayList<>();
                for (int i = 0; i < k; i++) {
                    order.add(servers.get((i + cycle) % k));
                }
                if ((cycle / k) % 2 == 1) {
                    order = order.reversed();
                }
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "round %d cycle %2d:", round, cycle + 1));
                for (int pos = 0; pos < k; pos++) {
                    String s = order.get(pos);
                    WindowClient c = clients.get(s);
                    ProcessHandle h = procs.get(s).toHandle();
                    long errors0 = c.errors;
                    double cpu0 = cpuSeconds(h);
                    long t0 = System.nanoTime();
                    double rt = c.drive(sets.get(s), window);
                    double secs = (System.nanoTime() - t0) / 1e9;
                    double cpu = cpuSeconds(h) - cpu0;
                    Window w = new Window(round, cycle + 1, pos + 1, s, rt, cpu / secs, cpu * 1e6 / c.lastEchoes,
                            c.errors - errors0);
                    out.add(w);
                    line.append(String.format(Locale.ROOT, "  %s %,.0f rt/s (%.2f CPU, %.2f µs/rt)%s", s, rt, w.cpuPerSecond(),
                            w.cpuMicrosPerRt(), w.errors() == 0 ? "" : " ERRORS " + w.errors()));
                }
                System.out.println(line);
            }
            boolean ok = true;
            for (String s : servers) {
                if (clients.get(s).errors != 0) {
                    System.out.println("interleaved: round " + round + " " + s + ": " + clients.get(s).errors + " errors");
                    ok = false;
                }
                if (!procs.get(s).isAlive()) {
                    System.out.println("interleaved: round " + round + " " + s + ": the server exited");
                    ok = false;
                }
            }
            return ok;
        } finally {
            for (List<WindowClient.Conn> set : sets.values()) {
                WindowClient.close(set);
            }
            for (Process p : procs.values()) {
                p.destroy();
            }
            for (Process p : procs.values()) {
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** CPU time of a process so far, in seconds (NaN if the OS does not say). */
    private static double cpuSeconds(ProcessHandle h) {
        return h.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    }

    /** {@code pinned}: the servers on a CPU of their own, the client on another. */
    private static void writeCsv(Path file, List<Window> all, boolean pinned) throws IOException {
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
            w.println(CSV_HEADER);
            for (Window x : all) {
                w.printf(Locale.ROOT, "%d,%d,%d,%s,%.1f,%.4f,%.4f,%d,%b%n", x.round(), x.cycle(), x.position(), x.server(),
                        x.rtPerSecond(), x.cpuPerSecond(), x.cpuMicrosPerRt(), x.errors(), pinned);
            }
        }
    }

    /**
     * The summary: per server, the median round trips/s and CPU; per other server, the first
     * server's ratio by round trips and by CPU per round trip (the other's ÷ the first's), each as
     * the mean over rounds with its interval, and the pooled interval over every cycle.
     */
    static String summary(List<Window> all, List<String> servers, int rounds, int cycles, double window, int n, int size) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%n%d server JVMs at once, %d connections each, %d-byte messages; %d round(s) "
                + "of %d cycles of %.1f s windows%n%n", servers.size(), n, size, rounds, cycles, window));
        b.append("| server | round trips/s, median | server CPU s/s, median | server CPU µs per round trip, median |\n");
        b.append("|---|---|---|---|\n");
        for (String s : servers) {
            List<Window> ws = all.stream().filter(w -> w.server().equals(s)).toList();
            if (ws.isEmpty()) {
                b.append("| ").append(s).append(" | no result | | |\n");
                continue;
            }
            b.append(String.format(Locale.ROOT, "| %s | %,.0f | %.2f | %.2f |%n", s,
                    WindowClient.median(ws.stream().mapToDouble(Window::rtPerSecond).toArray()),
                    WindowClient.median(ws.stream().mapToDouble(Window::cpuPerSecond).toArray()),
                    WindowClient.median(ws.stream().mapToDouble(Window::cpuMicrosPerRt).toArray())));
        }
        String first = servers.get(0);
        b.append("\n| ratio | by | per round (mean over its cycles) | mean over rounds ± 95% CI (t) | pooled over all cycles "
                + "± 95% CI |\n");
        b.append("|---|---|---|---|---|\n");
        for (String s : servers.subList(1, servers.size())) {
            for (boolean byCpu : new boolean[] {false, true}) {
                b.append(ratioRow(all, first, s, byCpu));
            }
        }
        return b.toString();
    }

    /** One ratio row: {@code first}/{@code other} by round trips/s, or by CPU per round trip. */
    static String ratioRow(List<Window> all, String first, String other, boolean byCpu) {
        Map<Integer, List<Double>> perRound = new java.util.TreeMap<>();
        List<Double> pooled = new ArrayList<>();
        Map<String, Window> byKey = new HashMap<>();
        for (Window w : all) {
            byKey.put(w.round() + "/" + w.cycle() + "/" + w.server(), w);
        }
        for (Window w : all) {
            if (!w.server().equals(first)) {
                continue;
            }
            Window o = byKey.get(w.round() + "/" + w.cycle() + "/" + other);
            if (o == null) {
                continue;
            }
            double r = byCpu ? o.cpuMicrosPerRt() / w.cpuMicrosPerRt() : w.rtPerSecond() / o.rtPerSecond();
            if (Double.isFinite(r)) {
                perRound.computeIfAbsent(w.round(), x -> new ArrayList<>()).add(r);
                pooled.add(r);
            }
        }
        String label = first + " / " + other;
        String by = byCpu ? "CPU per round trip (" + other + "'s ÷ " + first + "'s)" : "round trips/s";
        if (pooled.isEmpty()) {
            return "| " + label + " | " + by + " | no result | | |\n";
        }
        double[] roundMeans = perRound.values().stream()
                .mapToDouble(v -> v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN)).toArray();
        StringBuilder per = new StringBuilder();
        for (double r : roundMeans) {
            per.append(per.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", r));
        }
        double[] mr = WindowClient.meanAndHalf(roundMeans);
        double[] mp = WindowClient.meanAndHalf(pooled.stream().mapToDouble(Double::doubleValue).toArray());
        String overRounds = roundMeans.length < 2 ? String.format(Locale.ROOT, "%.3f (one round: no interval)", mr[0])
                : String.format(Locale.ROOT, "**%.3f ± %.3f**", mr[0], mr[1]);
        return String.format(Locale.ROOT, "| %s | %s | %s | %s | %.3f ± %.3f (%d cycles) |%n", label, by, per, overRounds, mp[0],
                mp[1], pooled.size());
    }
}
