package io.loomlet.jmh.echo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
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
    private static final long UNCOUNTED_NANOS = 300_000_000L;
    private static final long DRAIN_NANOS = 3_000_000_000L;

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
                int port = CompletableFuture.supplyAsync(() -> awaitPort(s, p))
                        .get(60, TimeUnit.SECONDS);
                ColdStartHarness h = new ColdStartHarness(new InetSocketAddress("127.0.0.1", port), size);
                String row = h.compare(s, n, churn, pairs, window);
                ok &= h.errors == 0;
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

    /** The port the server printed (a 60 s deadline is the caller's); its other lines go to stderr. */
    private static int awaitPort(String server, Process p) {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        try {
            return readPort(server, r);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static int readPort(String server, BufferedReader r) throws IOException {
        for (String l; (l = r.readLine()) != null; ) {
            if (l.contains("listening on port ")) {
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        for (String x; (x = r.readLine()) != null; ) {
                            System.err.println("[" + server + "] " + x);
                        }
                    } catch (IOException e) {
                        // the server is gone
                    }
                });
                return Integer.parseInt(l.substring(l.lastIndexOf(' ') + 1));
            }
            System.err.println("[" + server + "] " + l);
        }
        throw new IllegalStateException(server + " ended before it listened");
    }

    /** One connection of a set, with at most one message in flight. */
    private static final class Conn {
        final SocketChannel ch;
        final ByteBuffer in;
        final byte[] sent;
        /** The server closed it: it takes no part in later windows (counted as an error once). */
        boolean dead;

        Conn(SocketChannel ch, int size, int id) {
            this.ch = ch;
            this.in = ByteBuffer.allocate(size);
            this.sent = new byte[size];
            for (int i = 0; i < size; i++) {
                sent[i] = (byte) ('a' + (id * 7 + i) % 26);
            }
        }
    }

    private final InetSocketAddress addr;
    private final int size;
    private long errors;

    private ColdStartHarness(InetSocketAddress addr, int size) {
        this.addr = addr;
        this.size = size;
    }

    private String compare(String server, int n, int churn, int pairs, double window) throws IOException {
        List<Conn> a = new ArrayList<>();
        List<Conn> b = new ArrayList<>();
        try {
            return compare(server, a, b, n, churn, pairs, window);
        } finally {
            for (Conn c : a) {
                c.ch.close();
            }
            for (Conn c : b) {
                c.ch.close();
            }
        }
    }

    private String compare(String server, List<Conn> a, List<Conn> b, int n, int churn, int pairs, double window)
            throws IOException {
        open(a, n, 0);
        drive(a, 0.5); // every handler has started and waits for its next message
        int churnErrors = NioLoadClient.churn(addr, new NioLoadClient.Config(addr.getHostString(), addr.getPort(), 1, size,
                0, 1, 10, churn));
        errors += churnErrors;
        open(b, n, n);
        drive(b, 0.5);
        double[] ra = new double[pairs];
        double[] rb = new double[pairs];
        double[] ratio = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            if (i % 2 == 0) {
                ra[i] = drive(a, window);
                rb[i] = drive(b, window);
            } else {
                rb[i] = drive(b, window);
                ra[i] = drive(a, window);
            }
            ratio[i] = rb[i] / ra[i];
            System.out.printf(Locale.ROOT, "%s pair %d: A (cold) %.0f rt/s, B (after churn) %.0f rt/s, B/A %.3f%n", server,
                    i + 1, ra[i], rb[i], ratio[i]);
        }
        double mean = 0;
        for (double r : ratio) {
            mean += r;
        }
        mean /= pairs;
        double var = 0;
        for (double r : ratio) {
            var += (r - mean) * (r - mean);
        }
        double half = NioEchoHarness.t975(pairs - 1) * Math.sqrt(var / (pairs - 1) / pairs);
        StringBuilder per = new StringBuilder();
        for (double r : ratio) {
            per.append(per.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", r));
        }
        System.out.printf("%s: errors %d (churn %d)%n", server, errors, churnErrors);
        return String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %s | **%.3f ± %.3f** |%n", server, median(ra), median(rb), per,
                mean, half);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Opens {@code n} connections into {@code set} (which the caller closes, however this ends). */
    private void open(List<Conn> set, int n, int firstId) throws IOException {
        for (int i = 0; i < n; i++) {
            SocketChannel ch = SocketChannel.open();
            try {
                ch.socket().connect(addr, 10_000); // blocking, bounded; then non-blocking use
            } catch (IOException e) {
                ch.close();
                throw e;
            }
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.configureBlocking(false);
            set.add(new Conn(ch, size, firstId + i));
        }
    }

    /**
     * Drives one set alone for {@code seconds}, then waits for the echoes in flight; returns the
     * round trips per second after the first 0.3 s. The selector's close at the end deregisters the
     * set's channels, which the next window registers with a new one.
     */
    private double drive(List<Conn> set, double seconds) throws IOException {
        long counted = 0;
        try (Selector sel = Selector.open()) {
            int inFlight = 0;
            for (Conn c : set) {
                if (!c.dead) {
                    c.ch.register(sel, SelectionKey.OP_READ, c);
                    send(c);
                    inFlight++;
                }
            }
            long start = System.nanoTime();
            long countFrom = start + UNCOUNTED_NANOS;
            long end = start + (long) (seconds * 1e9);
            long drainEnd = end + DRAIN_NANOS;
            while (inFlight > 0) {
                long now = System.nanoTime();
                if (now >= drainEnd) {
                    errors += inFlight; // echoes that never came back
                    System.out.println("cold-start: " + inFlight + " echoes did not come back");
                    break;
                }
                sel.select(Math.max(1, Math.min(100, (drainEnd - now) / 1_000_000)));
                now = System.nanoTime();
                for (SelectionKey k : sel.selectedKeys()) {
                    Conn c = (Conn) k.attachment();
                    int r = c.ch.read(c.in);
                    if (r < 0) {
                        errors++;
                        System.out.println("cold-start: the server closed a connection");
                        k.cancel();
                        c.dead = true;
                        inFlight--;
                        continue;
                    }
                    if (c.in.hasRemaining()) {
                        continue;
                    }
                    for (int i = 0; i < size; i++) {
                        if (c.in.get(i) != c.sent[i] - 32) {
                            errors++;
                            break;
                        }
                    }
                    if (now >= countFrom && now < end) {
                        counted++;
                    }
                    if (now < end) {
                        send(c);
                    } else {
                        inFlight--;
                    }
                }
                sel.selectedKeys().clear();
            }
        }
        return counted / (seconds - UNCOUNTED_NANOS / 1e9);
    }

    private void send(Conn c) throws IOException {
        c.in.clear();
        ByteBuffer out = ByteBuffer.wrap(c.sent);
        // One message into a socket whose previous one was echoed: its send buffer is empty, and a
        // message of at most 64 KB goes at once; a server that stops reading ends the run, not a spin.
        for (int spins = 0; out.hasRemaining(); spins++) {
            if (c.ch.write(out) == 0) {
                if (spins > 1000) {
                    throw new IOException("the server takes no more bytes on a connection");
                }
                Thread.onSpinWait();
            }
        }
    }
}
