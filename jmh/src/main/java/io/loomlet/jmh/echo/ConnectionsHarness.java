package io.loomlet.jmh.echo;

import io.loomlet.jmh.Jvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Connections on one hub (issue #10 item 5): how many concurrent idle echo connections one hub holds,
 * and what each costs. This JVM is the client, plain {@code java.nio} (one selector, non-blocking
 * channels; no Loomlet code runs here); the server is {@link ConnectionsServer} (a StreamServer echo on
 * ONE hub) in a second JVM, driven through its stdin and stdout. Loopback only.
 *
 * <p>A run: start the server JVM; warm up (W connections, each 50 echo round trips, then closed, so
 * the JIT has compiled the handler's path before the measured connections park in it: the round trip's
 * path after a few thousand, the path each connection runs once — accept, spawn, the handler's entry —
 * only after several thousand connections, which is why W is 20,000 and opened in waves); measure the
 * server at 0 connections; then open connections in batches (default 500, well under the server's
 * accept backlog of 4096), each checked by one echo round trip, up to each step N, and measure the
 * server at N with all of them open and idle. At the top N: what the parked handlers' frozen stacks
 * hold (chunks and words, through the server's {@code stacks} command), the server's class histogram (optional);
 * every connection makes another round trip, and the server is measured again, {@code --final-echoes}
 * times (a parked fiber's frozen stack changes once it has been thawed and frozen again after a GC:
 * the second idle state is the steady one); then everything closes and the server's open descriptors
 * are counted again. No retries: a connect, a write, a read, an echo that
 * differs or a round trip that does not finish within its time limit is an error, as is a handler
 * failure on the server or a server count that is not N.
 *
 * <p>A measurement is the server's heap used after four {@code System.gc()}s (MemoryMXBean), its
 * VmRSS and its open descriptors; per connection = (value at N − value at 0) / N. This side adds the
 * kernel's memory for sockets: the slab caches a TCP socket's objects live in ({@code /proc/slabinfo},
 * root only) and TCP's buffer pages ({@code /proc/net/sockstat}), machine-wide: both ends of every
 * connection, and whatever else runs; indicative).
 *
 * <p>Args (all optional): {@code --steps 1000,5000,10000,max} ({@code max}: this process's descriptor
 * limit minus {@code --headroom}, default 500, rounded down to a batch), {@code --runs 1}, {@code
 * --batch 500}, {@code --warmup 20000} (0: none), {@code --warmup-wave 2000} (warm-up connections open at once), {@code --histogram 30} (rows of the per-connection class histogram, the live objects at N minus at 0; 0: none), {@code
 * --final-echoes 2} (round trips on every connection at the top N, each followed by a measurement), {@code
 * --server-flags "-Xms1g -Xmx1g -XX:+AlwaysPreTouch -XX:+UseParallelGC"} (a pre-touched fixed heap,
 * so that RSS grows only by memory outside the heap), {@code --timeout-seconds 60} (per batch of
 * round trips), {@code --max-minutes 20} (the whole harness; the server exits by itself too),
 * {@code --handler talk} (the server's handler: {@code talk}, the seed's echo holding a 1 KB buffer
 * across its wait, or {@code recv}, gevent's {@code recv(1024)} form, which holds none), {@code --csv
 * FILE} (every step of every run, for {@code Report}: {@code ./loomlet bench-report} judges the
 * 2 KB goal from it).
 */
public final class ConnectionsHarness {
    /** Round trips each warm-up connection makes. */
    private static final int WARMUP_ROUND_TRIPS = 50;
    private static final String DEFAULT_SERVER_FLAGS = "-Xms1g -Xmx1g -XX:+AlwaysPreTouch -XX:+UseParallelGC";

    private final InetSocketAddress server;
    private final Selector selector;
    private final long timeoutNanos;
    private final List<Conn> open = new ArrayList<>();
    private int nextId;
    /** Connections that failed while opening, since the last closeAll. */
    private int failed;
    private final Map<String, Integer> errorKinds = new HashMap<>();

    private ConnectionsHarness(InetSocketAddress server, long timeoutNanos) throws IOException {
        this.server = server;
        this.selector = Selector.open();
        this.timeoutNanos = timeoutNanos;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: ConnectionsHarness [--steps 1000,5000,10000,max] [--runs 1] "
                        + "[--batch 500] [--warmup 20000] [--warmup-wave 2000] [--histogram 30] [--headroom 500] [--server-flags \"...\"] [--handler talk|recv] "
                        + "[--timeout-seconds 60] [--max-minutes 20] [--csv FILE]");
            }
            opt.put(args[i].substring(2), args[i + 1]);
        }
        int runs = Integer.parseInt(opt.getOrDefault("runs", "1"));
        int batch = Integer.parseInt(opt.getOrDefault("batch", "500"));
        int warmup = Integer.parseInt(opt.getOrDefault("warmup", "20000"));
        int warmupWave = Integer.parseInt(opt.getOrDefault("warmup-wave", "2000"));
        int histogram = Integer.parseInt(opt.getOrDefault("histogram", "30"));
        int finalEchoes = Integer.parseInt(opt.getOrDefault("final-echoes", "2"));
        int headroom = Integer.parseInt(opt.getOrDefault("headroom", "500"));
        long timeoutNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(opt.getOrDefault("timeout-seconds", "60")));
        long maxMinutes = Long.parseLong(opt.getOrDefault("max-minutes", "20"));
        List<String> serverFlags = new ArrayList<>(List.of(opt.getOrDefault("server-flags", DEFAULT_SERVER_FLAGS).trim().split("\\s+")));
        serverFlags.add("-Dconnections.handler=" + opt.getOrDefault("handler", "talk"));
        if (batch < 1 || warmupWave < 1 || warmup < 0 || runs < 1 || finalEchoes < 0 || headroom < 0) {
            throw new IllegalArgumentException("--batch and --warmup-wave must be at least 1, --runs at least 1, and "
                    + "--warmup, --final-echoes and --headroom not negative");
        }
        long limit = descriptorLimit();
        // The most this machine allows: the descriptor limit less headroom, and the ephemeral ports of one
        // client address to one server port less headroom (a limit of a million would otherwise ask for
        // more connections than there are ports). Loopback reuses the warm-up's TIME_WAIT ports only with
        // net.ipv4.tcp_tw_reuse at 1 or 2 (2, loopback only, is Linux's default).
        long ports = ephemeralPorts();
        int max = (int) ((Math.min(limit, ports) - headroom) / batch * batch);
        if (max < batch) {
            throw new IllegalArgumentException("this machine allows too few connections (descriptor limit " + limit
                    + ", ephemeral ports " + ports + ", less headroom " + headroom + ") for one batch of " + batch);
        }
        if (warmupWave > max) {
            throw new IllegalArgumentException("--warmup-wave " + warmupWave + " is more than this machine allows at once ("
                    + max + ")");
        }
        List<Integer> steps = new ArrayList<>();
        for (String s : opt.getOrDefault("steps", "1000,5000,10000,max").split(",")) {
            int n = s.equals("max") ? max : Integer.parseInt(s);
            if (n > max) {
                System.out.println("# step " + n + " left out: more than this machine allows (" + max + ")");
                continue;
            }
            if (!steps.isEmpty() && n <= steps.get(steps.size() - 1)) {
                throw new IllegalArgumentException("--steps must increase: " + opt.get("steps"));
            }
            steps.add(n);
        }
        if (steps.isEmpty()) {
            steps.add(max);
        }
        List<String> machine = List.of("descriptor limit (soft) " + limit, "ephemeral ports " + firstLine(
                "/proc/sys/net/ipv4/ip_local_port_range").replaceAll("\\s+", "-"), "fs.file-max " + firstLine(
                "/proc/sys/fs/file-max"), "JDK " + System.getProperty("java.vm.name") + " " + System.getProperty(
                "java.vm.version"), "server JVM flags " + String.join(" ", serverFlags));
        machine.forEach(m -> System.out.println("# " + m));
        System.out.println("# steps " + steps + ", " + runs + " run(s), batches of " + batch + ", warm-up " + warmup
                + " connections in waves of " + warmupWave);

        Thread limitThread = new Thread(() -> {
            try {
                Thread.sleep(TimeUnit.MINUTES.toMillis(maxMinutes));
            } catch (InterruptedException e) {
                return;
            }
            System.out.println("harness: " + maxMinutes + " minutes are up; stopping");
            System.out.flush();
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
            Runtime.getRuntime().halt(4);
        }, "time-limit");
        limitThread.setDaemon(true);
        limitThread.start();

        List<Step> all = new ArrayList<>();
        Map<Integer, Boolean> runOk = new java.util.TreeMap<>();
        boolean ok = true;
        for (int run = 1; run <= runs; run++) {
            boolean r = oneRun(run, steps, batch, warmup, warmupWave, histogram, finalEchoes, serverFlags, timeoutNanos,
                    maxMinutes, all);
            runOk.put(run, r);
            ok &= r;
        }
        summary(all, steps, finalEchoes);
        if (opt.containsKey("csv")) {
            writeCsv(Path.of(opt.get("csv")), all, runOk, opt.getOrDefault("handler", "talk"));
        }
        System.out.println(ok ? "connections: no errors" : "connections: ERRORS (see above)");
        System.out.flush();
        Runtime.getRuntime().halt(ok ? 0 : 1);
    }

    /** One measurement of the server, with this side's machine-wide kernel numbers. */
    record Sample(long heapUsed, long heapCommitted, long rss, long fds, long active, long accepted, long handlerErrors,
            long slabBytes, long tcpBufferBytes, Map<String, Long> slabs) {
    }

    /** One step of one run: {@code n} connections open, idle after their {@code echoes}-th round trip. */
    record Step(int run, int n, int echoes, int clientErrors, long serverErrors, Sample base, Sample at, double[] stacks,
            boolean ok) {
        /** The connections the server had open (each one checked by the harness), else the number asked for. */
        int count() {
            return at.active > 0 ? (int) at.active : n;
        }

        double heapEach() {
            return (double) (at.heapUsed - base.heapUsed) / count();
        }

        double rssEach() {
            return (double) (at.rss - base.rss) / count();
        }

        double slabEach() {
            return (double) (at.slabBytes - base.slabBytes) / count();
        }
    }

    private static boolean oneRun(int run, List<Integer> steps, int batch, int warmup, int warmupWave, int histogram, int finalEchoes,
            List<String> serverFlags, long timeoutNanos, long maxMinutes, List<Step> all) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        // add-opens: the server's "stacks" diagnostic reads the JDK's stack chunks
        List<String> cmd = new ArrayList<>(List.of(java, Jvm.EXPORTS, "--add-opens=java.base/jdk.internal.vm=ALL-UNNAMED"));
        cmd.addAll(serverFlags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ConnectionsServer.class.getName(),
                String.valueOf(maxMinutes * 60)));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                }
            } catch (IOException e) {
                // the server is gone; the next expect() says so
            }
            lines.add("<eof>");
        }, "server-output");
        reader.setDaemon(true);
        reader.start();
        PrintWriter to = new PrintWriter(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8), true);
        boolean ok = true;
        ConnectionsHarness h = null;
        try {
            String first = expect(lines, "listening on port ", 60);
            int port = Integer.parseInt(first.substring(first.lastIndexOf(' ') + 1));
            System.out.printf("run %d: server pid %d on 127.0.0.1:%d%n", run, p.pid(), port);
            h = new ConnectionsHarness(new InetSocketAddress("127.0.0.1", port), timeoutNanos);
            if (warmup > 0) {
                // In waves of at most warmupWave open at once (the descriptor limit), so that W can be
                // large: a path run once per connection (accept, spawn, the handler's entry) is compiled
                // by C2 only after thousands of connections, and a connection that parks while those
                // frames are C1's keeps C1's bigger frames in its frozen stack for as long as it lives.
                int e = 0;
                for (int done = 0; done < warmup; ) {
                    int wave = Math.min(warmupWave, warmup - done);
                    e += h.openUpTo(wave, batch);
                    for (int r = 1; r < WARMUP_ROUND_TRIPS; r++) {
                        e += h.exchangeAll(batch);
                    }
                    h.closeAll();
                    if (waitForActive(to, lines, 0).active != 0) {
                        throw new IllegalStateException("the server still holds warm-up connections after 60 s");
                    }
                    done += wave;
                }
                Thread.sleep(2000); // the JIT's queue drains
                System.out.printf("run %d: warm-up, %d connections x %d round trips, closed: %d errors%n", run, warmup,
                        WARMUP_ROUND_TRIPS, e);
                ok &= e == 0;
            }
            Map<String, long[]> histogramAt0 = Map.of();
            if (histogram > 0) {
                histogram(to, lines); // the first one loads the management classes: before the baseline
            }
            Sample base = measure(to, lines);
            if (histogram > 0) {
                histogramAt0 = histogram(to, lines);
            }
            System.out.printf("run %d: at 0: %s%n", run, base);
            int top = steps.get(steps.size() - 1);
            long openStart = System.nanoTime();
            int clientErrors = 0;
            for (int n : steps) {
                clientErrors += h.openUpTo(n, batch);
                Sample at = measure(to, lines);
                double[] stacks = n == steps.get(steps.size() - 1) ? printStacks(run, "at N=" + n, to, lines) : null;
                boolean countsRight = at.active == n && at.accepted == n + warmup && at.handlerErrors == 0;
                Step s = new Step(run, n, 1, clientErrors, at.handlerErrors, base, at, stacks, countsRight && clientErrors == 0);
                all.add(s);
                ok &= s.ok();
                System.out.printf(Locale.ROOT,
                        "run %d: N=%d (opened in %.1f s): client errors %d, server handler errors %d, active %d%s; "
                                + "heap %.0f B/conn, RSS %.0f B/conn, server fds %d (at 0: %d), kernel slab %.0f B/conn "
                                + "(both ends, machine-wide), TCP buffers %d KB%n",
                        run, n, (System.nanoTime() - openStart) / 1e9, clientErrors, at.handlerErrors, at.active,
                        countsRight ? "" : " (EXPECTED " + n + ")", s.heapEach(), s.rssEach(), at.fds, base.fds, s.slabEach(),
                        at.tcpBufferBytes / 1024);
            }
            Step topStep = all.get(all.size() - 1);
            if (!topStep.at.slabs.isEmpty()) {
                StringBuilder b = new StringBuilder();
                topStep.at.slabs.forEach((k, v) -> b.append(String.format(Locale.ROOT, " %s %+.0f", k,
                        (double) (v - topStep.base.slabs.getOrDefault(k, 0L)) / (2.0 * top))));
                System.out.println("run " + run + ": kernel slab bytes per socket (2 per connection: both ends), by cache:" + b);
            }
            if (histogram > 0) {
                printHistogramDiff(histogramAt0, histogram(to, lines), top, histogram,
                        "run " + run + ": the server's live objects at N=" + top + " minus at 0, per connection");
            }
            Sample after = null;
            for (int echo = 2; echo <= 1 + finalEchoes; echo++) {
                int again = h.exchangeAll(batch);
                after = measure(to, lines);
                boolean echoOk = again == 0 && after.handlerErrors == 0 && after.active == top;
                ok &= echoOk;
                System.out.printf(Locale.ROOT, "run %d: echo %d on every one of the %d: %d errors; then heap %.0f B/conn, "
                        + "RSS %.0f B/conn, active %d%n", run, echo, h.open.size(), again,
                        (double) (after.heapUsed - base.heapUsed) / top, (double) (after.rss - base.rss) / top, after.active);
                all.add(new Step(run, top, echo, again, after.handlerErrors, base, after,
                        printStacks(run, "after echo " + echo, to, lines), echoOk));
                if (histogram > 0 && echo == 2) {
                    printHistogramDiff(histogramAt0, histogram(to, lines), top, histogram,
                            "run " + run + ": the server's live objects at N=" + top + " after echo 2 minus at 0, per connection");
                }
            }
            h.closeAll();
            Sample closed = waitForActive(to, lines, 0);
            Sample end = measure(to, lines);
            ok &= end.fds <= base.fds && end.handlerErrors == 0;
            System.out.printf(Locale.ROOT, "run %d: all closed: server fds %d (at 0: %d, at N: %d), active %d, heap %+.0f B "
                    + "vs at 0, handler errors %d; client error kinds %s%n", run, closed.fds, base.fds, topStep.at.fds, closed.active,
                    (double) (end.heapUsed - base.heapUsed), end.handlerErrors, h.errorKinds);
            to.println("quit");
        } catch (Exception e) {
            System.out.println("run " + run + ": FAILED: " + e);
            ok = false;
        } finally {
            if (h != null) {
                h.release(); // a run that failed midway leaves up to N sockets: the next run needs the descriptors
            }
            to.close();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        return ok;
    }

    /** The CSV header; {@code Report} recognises a connections CSV by its first column. */
    public static final String CSV_HEADER = "connections-run,n,echoes,heapPerConnection,rssPerConnection,clientErrors,serverErrors,"
            + "chunksPerFiber,wordsAllocatedPerFiber,wordsLivePerFiber,handler,ok";

    /**
     * One row per step of every run (the frozen-stack columns only at the top N; empty elsewhere), then
     * one row per run with {@code echoes} -1: whether the whole run was clean (warm-up, every step,
     * the close and the descriptor count after it; false also for a run that failed partway, whose
     * later steps have no rows) and, as {@code n}, the most connections it reached.
     */
    private static void writeCsv(Path file, List<Step> all, Map<Integer, Boolean> runOk, String handler) throws IOException {
        StringBuilder b = new StringBuilder(CSV_HEADER).append('\n');
        for (Step x : all) {
            b.append(String.format(Locale.ROOT, "%d,%d,%d,%.1f,%.1f,%d,%d,", x.run, x.n, x.echoes, x.heapEach(), x.rssEach(),
                    x.clientErrors, x.serverErrors));
            b.append(x.stacks == null ? ",," : String.format(Locale.ROOT, "%.2f,%.1f,%.1f", x.stacks[0], x.stacks[1], x.stacks[2]));
            b.append(',').append(handler).append(',').append(x.ok).append('\n');
        }
        runOk.forEach((run, ok) -> {
            int reached = all.stream().filter(x -> x.run == run).mapToInt(Step::n).max().orElse(0);
            b.append(run).append(',').append(reached).append(",-1,,,,,,,,").append(handler).append(',').append(ok).append('\n');
        });
        Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
        System.out.println("wrote " + file);
    }

    private static void summary(List<Step> all, List<Integer> steps, int finalEchoes) {
        System.out.println();
        System.out.println("| connections | runs | errors | heap B/conn, median (min–max) | marginal heap B/conn (from the "
                + "row before) | RSS B/conn | server fds at N (at 0) | kernel slab B/conn (both ends) |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        List<int[]> rows = new ArrayList<>();
        steps.forEach(n -> rows.add(new int[] {n, 1}));
        for (int e = 2; e <= 1 + finalEchoes; e++) {
            rows.add(new int[] {steps.get(steps.size() - 1), e});
        }
        for (int i = 0; i < rows.size(); i++) {
            int n = rows.get(i)[0];
            int echoes = rows.get(i)[1];
            List<Step> s = all.stream().filter(x -> x.n == n && x.echoes == echoes).toList();
            if (s.isEmpty()) {
                continue;
            }
            List<Double> marginal = new ArrayList<>();
            if (i > 0 && echoes == 1) {
                int prev = rows.get(i - 1)[0];
                for (Step x : s) {
                    all.stream().filter(y -> y.n == prev && y.echoes == 1 && y.run == x.run).findFirst().ifPresent(
                            y -> marginal.add((double) (x.at.heapUsed - y.at.heapUsed) / (n - prev)));
                }
            }
            long errors = s.stream().mapToLong(x -> x.clientErrors + x.serverErrors).sum();
            System.out.printf(Locale.ROOT, "| %,d%s | %d | %d | %s | %s | %s | %s | %s |%n", n,
                    echoes == 1 ? "" : ", idle after echo " + echoes, s.size(), errors,
                    spread(s.stream().mapToDouble(Step::heapEach).toArray()),
                    marginal.isEmpty() ? "" : spread(marginal.stream().mapToDouble(Double::doubleValue).toArray()),
                    spread(s.stream().mapToDouble(Step::rssEach).toArray()),
                    s.stream().map(x -> x.at.fds + " (" + x.base.fds + ")").reduce((a, b) -> a + ", " + b).orElse(""),
                    spread(s.stream().mapToDouble(Step::slabEach).toArray()));
        }
    }

    private static String spread(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        double med = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        return s.length == 1 ? String.format(Locale.ROOT, "%,.0f", med)
                : String.format(Locale.ROOT, "%,.0f (%,.0f–%,.0f)", med, s[0], s[s.length - 1]);
    }

    /** The server's class histogram (after a full GC): class name to {instances, bytes}. */
    private static Map<String, long[]> histogram(PrintWriter to, BlockingQueue<String> lines) throws Exception {
        to.println("histogram 0");
        Map<String, long[]> h = new HashMap<>();
        for (String l; !(l = take(lines, 120)).equals("end"); ) {
            String[] f = l.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) {
                h.merge(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])}, (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
            }
        }
        return h;
    }

    /** The classes whose live bytes grew most from {@code at0} to {@code atN}, per connection. */
    private static void printHistogramDiff(Map<String, long[]> at0, Map<String, long[]> atN, int n, int rows, String title) {
        System.out.println(title + " (class histogram, as jcmd GC.class_histogram; top " + rows + " by bytes):");
        System.out.println("  | class | instances per connection | bytes per connection |");
        System.out.println("  |---|---|---|");
        record Row(String cls, double instances, double bytes) {
        }
        List<Row> diff = new ArrayList<>();
        double total = 0;
        for (Map.Entry<String, long[]> e : atN.entrySet()) {
            long[] b = at0.getOrDefault(e.getKey(), new long[2]);
            Row r = new Row(e.getKey(), (double) (e.getValue()[0] - b[0]) / n, (double) (e.getValue()[1] - b[1]) / n);
            diff.add(r);
            total += r.bytes;
        }
        for (Map.Entry<String, long[]> e : at0.entrySet()) {
            if (!atN.containsKey(e.getKey())) {
                total -= (double) e.getValue()[1] / n;
            }
        }
        diff.sort((a, b) -> Double.compare(b.bytes, a.bytes));
        double shown = 0;
        for (Row r : diff.subList(0, Math.min(rows, diff.size()))) {
            shown += r.bytes;
            System.out.printf(Locale.ROOT, "  | `%s` | %.2f | %.0f |%n", r.cls, r.instances, r.bytes);
        }
        System.out.printf(Locale.ROOT, "  | the rest | | %.0f |%n  | total | | %.0f |%n", total - shown, total);
    }

    private static Sample measure(PrintWriter to, BlockingQueue<String> lines) throws Exception {
        to.println("measure");
        String line = expect(lines, "measure ", 120);
        // the kernel's side, read after the server's GCs (they take half a second: sockets just closed are gone)
        Map<String, Long> slabs = socketSlabs();
        return sample(line, slabs, tcpBufferBytes());
    }

    private static Sample waitForActive(PrintWriter to, BlockingQueue<String> lines, long active) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (;;) {
            to.println("count");
            Sample s = sample(expect(lines, "count ", 30), Map.of(), -1);
            if (s.active == active || System.nanoTime() > deadline) {
                return s;
            }
            Thread.sleep(100);
        }
    }

    private static Sample sample(String line, Map<String, Long> slabs, long tcp) {
        Map<String, Long> v = new HashMap<>();
        for (String kv : line.split(" ")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                v.put(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)));
            }
        }
        return new Sample(v.getOrDefault("heapUsed", -1L), v.getOrDefault("heapCommitted", -1L), v.get("rss"), v.get("fds"),
                v.get("active"), v.get("accepted"), v.get("handlerErrors"),
                slabs.isEmpty() ? -1 : slabs.values().stream().mapToLong(Long::longValue).sum(), tcp, slabs);
    }

    private static String expect(BlockingQueue<String> lines, String prefix, long seconds) throws Exception {
        for (;;) {
            String l = take(lines, seconds);
            if (l.startsWith(prefix)) {
                return l;
            }
            System.out.println("server: " + l);
        }
    }

    private static String take(BlockingQueue<String> lines, long seconds) throws Exception {
        String l = lines.poll(seconds, TimeUnit.SECONDS);
        if (l == null) {
            throw new IllegalStateException("the server did not answer within " + seconds + " s");
        }
        if (l.equals("<eof>")) {
            throw new IllegalStateException("the server exited");
        }
        return l;
    }

    // ---- the client: plain NIO, one selector, a state per connection ----

    private static final int CONNECTING = 0;
    private static final int WRITING = 1;
    private static final int READING = 2;
    private static final int DONE = 3;
    private static final int FAILED = 4;

    private static final class Conn {
        final int id;
        SocketChannel ch;
        SelectionKey key;
        int state;
        int round;
        ByteBuffer out;
        ByteBuffer in;

        Conn(int id) {
            this.id = id;
        }

        void prepare() {
            round++;
            byte[] msg = ("connection " + id + " says hello, round " + round + "\n").getBytes(StandardCharsets.US_ASCII);
            out = ByteBuffer.wrap(msg);
            in = ByteBuffer.allocate(msg.length);
        }

        boolean echoed() {
            byte[] sent = out.array();
            byte[] got = in.array();
            for (int i = 0; i < sent.length; i++) {
                byte want = sent[i] >= 'a' && sent[i] <= 'z' ? (byte) (sent[i] - 32) : sent[i];
                if (got[i] != want) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * The server's {@code stacks} line, per parked fiber: stack chunks, the words they were allocated
     * with, the words of frames in them, and the commonest chunk chains. A chunk's heap bytes are 8 per
     * word plus its header and GC bitmap (the class histogram's {@code StackChunk} row has the total).
     */
    private static double[] printStacks(int run, String when, PrintWriter to, BlockingQueue<String> lines)
            throws Exception {
        to.println("stacks");
        String r = expect(lines, "stacks ", 60).substring("stacks ".length());
        if (r.startsWith("error=")) {
            System.out.printf("run %d: frozen stacks %s: the server could not read them (%s)%n", run, when, r);
            return null; // a diagnostic: the measurement stands without it
        }
        Map<String, String> kv = new HashMap<>();
        for (String w : r.split(" ")) {
            int eq = w.indexOf('=');
            kv.put(w.substring(0, eq), w.substring(eq + 1));
        }
        double n = Double.parseDouble(kv.get("fibers"));
        System.out.printf(Locale.ROOT,
                "run %d: frozen stacks %s, per parked fiber: %.2f chunks, %.1f words allocated, %.1f words of frames; "
                        + "commonest chains (live/allocated words of each chunk, top first, x fibers): %s%n",
                run, when, Long.parseLong(kv.get("chunks")) / n, Long.parseLong(kv.get("words")) / n,
                Long.parseLong(kv.get("live")) / n, kv.get("shapes"));
        return new double[] {Long.parseLong(kv.get("chunks")) / n, Long.parseLong(kv.get("words")) / n,
            Long.parseLong(kv.get("live")) / n};
    }

    /** Opens connections in batches until {@code n} are open, each checked by one round trip; returns the errors. */
    private int openUpTo(int n, int batch) throws IOException {
        int errors = 0;
        // no retries: a connection that failed counts as an error and is not replaced
        for (int attempted = open.size() + failed; attempted < n; ) {
            List<Conn> b = new ArrayList<>();
            for (int i = 0; i < Math.min(batch, n - attempted); i++) {
                b.add(new Conn(nextId++));
            }
            attempted += b.size();
            int e = exchange(b, true);
            errors += e;
            failed += e;
            for (Conn c : b) {
                if (c.state == DONE) {
                    open.add(c);
                }
            }
        }
        return errors;
    }

    /** One more round trip on every open connection, a batch at a time; returns the errors. */
    private int exchangeAll(int batch) throws IOException {
        int errors = 0;
        for (int i = 0; i < open.size(); i += batch) {
            errors += exchange(open.subList(i, Math.min(open.size(), i + batch)), false);
        }
        open.removeIf(c -> c.state == FAILED);
        return errors;
    }

    /** Closes every connection and the selector, whatever state they are in. */
    private void release() {
        try {
            closeAll();
        } catch (IOException | RuntimeException e) {
            for (Conn c : open) {
                try {
                    c.ch.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            open.clear();
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }

    private void closeAll() throws IOException {
        for (Conn c : open) {
            c.ch.close();
        }
        open.clear();
        failed = 0;
        selector.selectNow(); // deregisters the closed channels, which releases their descriptors
    }

    /** Connects (if {@code connect}) and makes one echo round trip on each of {@code conns}, in parallel. */
    private int exchange(List<Conn> conns, boolean connect) throws IOException {
        int pending = 0;
        int errors = 0;
        for (Conn c : conns) {
            c.prepare();
            try {
                if (connect) {
                    c.ch = SocketChannel.open();
                    c.ch.configureBlocking(false);
                    boolean now = c.ch.connect(server);
                    c.state = now ? WRITING : CONNECTING;
                    c.key = c.ch.register(selector, now ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT, c);
                } else {
                    c.state = WRITING;
                    c.key.interestOps(SelectionKey.OP_WRITE);
                }
                pending++;
            } catch (IOException e) {
                errors += fail(c, "connect: " + e.getMessage());
            }
        }
        long deadline = System.nanoTime() + timeoutNanos;
        while (pending > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            for (SelectionKey k : selector.selectedKeys()) {
                Conn c = (Conn) k.attachment();
                if (!k.isValid()) {
                    continue;
                }
                try {
                    if (c.state == CONNECTING && k.isConnectable()) {
                        if (c.ch.finishConnect()) {
                            c.state = WRITING;
                            k.interestOps(SelectionKey.OP_WRITE);
                        }
                    } else if (c.state == WRITING && k.isWritable()) {
                        c.ch.write(c.out);
                        if (!c.out.hasRemaining()) {
                            c.state = READING;
                            k.interestOps(SelectionKey.OP_READ);
                        }
                    } else if (c.state == READING && k.isReadable()) {
                        if (c.ch.read(c.in) < 0) {
                            errors += fail(c, "end of stream before the echo");
                            pending--;
                        } else if (!c.in.hasRemaining()) {
                            k.interestOps(0);
                            pending--;
                            if (c.echoed()) {
                                c.state = DONE;
                            } else {
                                errors += fail(c, "wrong echo");
                            }
                        }
                    }
                } catch (IOException e) {
                    errors += fail(c, (c.state == CONNECTING ? "connect: " : "echo: ") + e.getMessage());
                    pending--;
                }
            }
            selector.selectedKeys().clear();
        }
        for (Conn c : conns) {
            if (c.state < DONE) {
                errors += fail(c, "no echo within the time limit");
            }
        }
        return errors;
    }

    private int fail(Conn c, String why) {
        c.state = FAILED;
        errorKinds.merge(why, 1, Integer::sum);
        try {
            if (c.ch != null) {
                c.ch.close();
            }
        } catch (IOException ignored) {
            // failed either way
        }
        return 1;
    }

    // ---- the machine ----

    /** This process's soft limit on open descriptors ({@code /proc/self/limits}); the server inherits it. */
    /** How many ephemeral ports there are ({@code ip_local_port_range}); a large number if unknown. */
    private static long ephemeralPorts() {
        try {
            String[] r = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim().split("\\s+");
            return Long.parseLong(r[1]) - Long.parseLong(r[0]) + 1;
        } catch (IOException | RuntimeException e) {
            return Long.MAX_VALUE;
        }
    }

    private static long descriptorLimit() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (l.startsWith("Max open files")) {
                return Long.parseLong(l.substring("Max open files".length()).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException("no descriptor limit in /proc/self/limits");
    }

    private static String firstLine(String file) {
        try {
            return Files.readAllLines(Path.of(file)).get(0).trim();
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /** The kernel's slab caches that hold a TCP socket's objects (both IP versions: Java's sockets are IPv6 ones). */
    private static final List<String> SOCKET_SLABS = List.of("TCPv6", "TCP", "sock_inode_cache", "filp", "dentry",
            "eventpoll_epi", "eventpoll_pwq");

    /**
     * Bytes in use in each of {@link #SOCKET_SLABS} ({@code /proc/slabinfo}: active objects × object size;
     * root only), machine-wide: both ends of every connection, and whatever else the machine does
     * (dentry above all); empty where it cannot be read.
     */
    private static Map<String, Long> socketSlabs() {
        Map<String, Long> m = new java.util.LinkedHashMap<>();
        try {
            for (String l : Files.readAllLines(Path.of("/proc/slabinfo"))) {
                String[] f = l.trim().split("\\s+");
                if (f.length > 3 && SOCKET_SLABS.contains(f[0])) {
                    m.put(f[0], Long.parseLong(f[1]) * Long.parseLong(f[3]));
                }
            }
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
        return m;
    }

    /** The pages of socket buffers TCP holds machine-wide ({@code /proc/net/sockstat}, "TCP: ... mem P"), in bytes. */
    private static long tcpBufferBytes() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/net/sockstat"))) {
                if (l.startsWith("TCP:")) {
                    String[] f = l.split("\\s+");
                    for (int i = 1; i + 1 < f.length; i++) {
                        if (f[i].equals("mem")) {
                            return Long.parseLong(f[i + 1]) * 4096;
                        }
                    }
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return -1;
    }
}
