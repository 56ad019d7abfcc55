package io.loomlet.jmh.echo;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Connections that start with the server cold against connections that start after it has served
 * many (issue #10), in ONE server JVM, so that the machine's drift between JVMs cannot enter the
 * comparison. A fiber's or a virtual thread's handler keeps the frames it started with for as long
 * as its connection lives: when the path each connection runs once (accept, spawn, the handler's
 * entry) was still interpreted or C1-compiled at its start, those frames stay in its stack. Whether
 * that costs anything per round trip is what this measures (a selector loop has no such stack; on
 * this machine it found no difference: BENCHMARKS.md, "Connections that start cold").
 *
 * <p>Against each server, started fresh and pinned to one CPU (this JVM, the client, pins itself to
 * another): open set A of N connections at once, one echo round trip each; then churn (short
 * connections, one round trip each, in waves: {@link NioLoadClient#churn}); then open set B of N,
 * one round trip each. Then pairs of windows: drive set A alone for a window, then set B alone (the
 * order reverses every other pair), each connection with one message in flight, the first 0.3 s of
 * a window uncounted. Each pair gives B's round trips/s over A's; the summary is their mean with a
 * 95% confidence interval (Student t over the pairs). Plain {@code java.nio}, no Loomlet code, on
 * loopback; every echo is checked (the servers upper-case); an error fails the run.
 *
 * <p>Args: {@code agentJar examplesClasses serverClassPath [--servers hub,nio,vthreads1] [--pairs 8]
 * [--window 3] [--connections 500] [--size 64] [--churn 20000] [--server-cpu 0] [--client-cpu 1]}.
 */
public final class ColdStartHarness {
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            throw new IllegalArgumentException("args: agentJar examplesClasses serverClassPath [options]");
        }
        Map<String, String> opt = new HashMap<>(Map.of("--servers", "hub,nio,vthreads1", "--pairs", "8", "--window", "3",
                "--connections", "500", "--size", "64", "--churn", "20000", "--server-cpu", "0", "--client-cpu", "1"));
        for (int i = 3; i < args.length; i += 2) {
            if (!opt.containsKey(args[i]) || i + 1 >= args.length) {
                throw new IllegalArgumentException("unknown option or no value: " + args[i] + " (options: " + opt.keySet() + ")");
            }
            opt.put(args[i], args[i + 1]);
        }
        int pairs = Integer.parseInt(opt.get("--pairs"));
        double window = Double.parseDouble(opt.get("--window"));
        int n = Integer.parseInt(opt.get("--connections"));
        int size = Integer.parseInt(opt.get("--size"));
        int churn = Integer.parseInt(opt.get("--churn"));
        if (pairs < 2 || window <= 0.3 || n < 1 || size < 1 || size > 65536 || churn < 0) {
            throw new IllegalArgumentException("need --pairs >= 2, --window > 0.3, --connections >= 1, --size 1..65536, "
                    + "--churn >= 0");
        }
        Map<String, List<String>> known = NioEchoHarness.serverCommands(args[0], args[1], args[2]);
        List<String> servers = List.of(opt.get("--servers").split(","));
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
        String java = ProcessHandle.current().info().command().orElse("java");
        StringBuilder summary = new StringBuilder();
        summary.append(String.format(Locale.ROOT, "%n%d connections per set, %d churned between A and B, %d pairs of %.1f s "
                + "windows, %d-byte messages%n%n", n, churn, pairs, window, size));
        summary.append("| server | set A (cold) rt/s, median | set B (after churn) rt/s, median | B/A per pair | B/A mean ± 95% CI (t) |\n");
        summary.append("|---|---|---|---|---|\n");
        boolean ok = true;
        for (String s : servers) {
            List<String> cmd = new ArrayList<>(NioEchoHarness.pin(opt.get("--server-cpu")));
            cmd.add(java);
            cmd.addAll(NioEchoHarness.SERVER_FLAGS);
            cmd.addAll(known.get(s));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try {
                int port = CompletableFuture.supplyAsync(() -> WindowClient.awaitPort(s, p))
                        .get(60, TimeUnit.SECONDS);
                WindowClient c = new WindowClient("cold-start", new InetSocketAddress("127.0.0.1", port), size);
                String row = compare(c, s, n, churn, pairs, window);
                ok &= c.errors == 0;
                summary.append(row);
            } catch (Exception e) {
                // this server's result is lost, not the others'
                System.out.println("cold-start: " + s + " FAILED: " + e);
                summary.append("| ").append(s).append(" | failed: ").append(e).append(" | | | |\n");
                ok = false;
            } finally {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
        System.out.print(summary);
        System.out.println(ok ? "cold-start: no errors" : "cold-start: ERRORS (see above)");
        System.out.flush();
        System.exit(ok ? 0 : 1);
    }

    private static String compare(WindowClient c, String server, int n, int churn, int pairs, double window)
            throws IOException {
        List<WindowClient.Conn> a = new ArrayList<>();
        List<WindowClient.Conn> b = new ArrayList<>();
        try {
            return compare(c, server, a, b, n, churn, pairs, window);
        } finally {
            WindowClient.close(a);
            WindowClient.close(b);
        }
    }

    private static String compare(WindowClient c, String server, List<WindowClient.Conn> a, List<WindowClient.Conn> b, int n,
            int churn, int pairs, double window) throws IOException {
        c.open(a, n, 0);
        c.drive(a, 0.5); // every handler has started and waits for its next message
        InetSocketAddress addr = c.addr;
        int churnErrors = NioLoadClient.churn(addr, new NioLoadClient.Config(addr.getHostString(), addr.getPort(), 1, c.size,
                0, 1, 10, churn));
        c.errors += churnErrors;
        c.open(b, n, n);
        c.drive(b, 0.5);
        double[] ra = new double[pairs];
        double[] rb = new double[pairs];
        double[] ratio = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            if (i % 2 == 0) {
                ra[i] = c.drive(a, window);
                rb[i] = c.drive(b, window);
            } else {
                rb[i] = c.drive(b, window);
                ra[i] = c.drive(a, window);
            }
            ratio[i] = rb[i] / ra[i];
            System.out.printf(Locale.ROOT, "%s pair %d: A (cold) %.0f rt/s, B (after churn) %.0f rt/s, B/A %.3f%n", server,
                    i + 1, ra[i], rb[i], ratio[i]);
        }
        double[] mh = WindowClient.meanAndHalf(ratio);
        StringBuilder per = new StringBuilder();
        for (double r : ratio) {
            per.append(per.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", r));
        }
        System.out.printf("%s: errors %d (churn %d)%n", server, c.errors, churnErrors);
        return String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %s | **%.3f ± %.3f** |%n", server, WindowClient.median(ra),
                WindowClient.median(rb), per, mh[0], mh[1]);
    }
}
