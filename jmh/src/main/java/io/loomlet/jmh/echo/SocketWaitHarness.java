package io.loomlet.jmh.echo;

import com.sun.management.OperatingSystemMXBean;
import io.loomlet.Fibers;
import io.loomlet.Hub;
import io.loomlet.jmh.Jvm;
import io.loomlet.net.FiberSocketImpl;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Where a hub's virtual threads wait for their sockets (issue #12 item 2): N echo pairs — a client
 * and the server's handler for it, each a virtual thread of ONE hub, on loopback — exchanging a
 * fixed-size message, with {@code java.net.Socket} code, three ways:
 * <ul>
 *   <li>{@code jdk}: the JDK's sockets ({@code new Socket()}, {@code new ServerSocket}); their waits
 *       park on the JDK's {@code sun.nio.ch.Poller} (JDK 25's default on Linux: sub-pollers that are
 *       virtual threads, made by the first virtual thread that waits — here a hub thread, so they run
 *       on the hub too);</li>
 *   <li>{@code fiber}: Loomlet's {@link FiberSocketImpl} sockets, whose waits go through the hub's
 *       own selector;</li>
 *   <li>{@code jdk-pollermode1}: {@code jdk} with {@code -Djdk.pollerMode=1}: platform poller threads
 *       that wake the hub's threads from outside.</li>
 * </ul>
 * Each measurement is a fresh JVM (the poller's mode and binding are per process): warm-up, then a
 * measured window; it prints round trips per second, the process's CPU time per second of the
 * window, the CPU time the rest of the machine used meanwhile (a shared machine's noise), and the
 * platform threads alive. The driver alternates the kinds within each round.
 *
 * <p>Driver args: {@code outputCsv rounds warmupSeconds measureSeconds size pairs...}. Child args:
 * {@code child kind pairs size warmupSeconds measureSeconds}.
 */
public final class SocketWaitHarness {
    private static final String[] KINDS = {"jdk", "fiber", "jdk-pollermode1"};

    public static void main(String[] args) throws Exception {
        if (args[0].equals("child")) {
            child(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), Double.parseDouble(args[4]),
                    Double.parseDouble(args[5]));
            return;
        }
        Path out = Path.of(args[0]);
        int rounds = Integer.parseInt(args[1]);
        String warmup = args[2];
        String measure = args[3];
        String size = args[4];
        List<String> pairs = Arrays.asList(args).subList(5, args.length);
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("java.class.path");
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8))) {
            csv.println("kind,pairs,round,roundTripsPerSecond,cpuSecondsPerSecond,otherCpuSecondsPerSecond,platformThreads,errors");
            for (int round = 1; round <= rounds; round++) {
                for (String n : pairs) {
                    for (String kind : KINDS) {
                        List<String> cmd = new ArrayList<>(List.of(java, Jvm.EXPORTS, Jvm.OPENS, "-Xmx2g", "-XX:+UseParallelGC"));
                        if (kind.equals("jdk-pollermode1")) {
                            cmd.add("-Djdk.pollerMode=1");
                        }
                        cmd.addAll(List.of("-cp", cp, SocketWaitHarness.class.getName(), "child",
                                kind.startsWith("jdk") ? "jdk" : kind, n, size, warmup, measure));
                        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                        String result = null;
                        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                            for (String line; (line = r.readLine()) != null; ) {
                                if (line.startsWith("RESULT ")) {
                                    result = line.substring(7);
                                } else {
                                    System.out.println("  [" + kind + " " + n + "] " + line);
                                }
                            }
                        }
                        if (!p.waitFor(30, TimeUnit.SECONDS)) {
                            p.destroyForcibly();
                        }
                        if (result == null) {
                            System.out.printf(Locale.ROOT, "round %d %-16s %4s pairs: no result (exit %s)%n", round, kind, n,
                                    p.isAlive() ? "none" : p.exitValue());
                            continue;
                        }
                        csv.println(kind + "," + n + "," + round + "," + result.replace(' ', ','));
                        csv.flush();
                        System.out.printf(Locale.ROOT, "round %d %-16s %4s pairs: %s%n", round, kind, n, result);
                    }
                }
            }
        }
    }

    /**
     * One measurement in this JVM: prints "RESULT rps cpuPerSecond otherCpuPerSecond platformThreads
     * errors" (other: what the rest of the machine used meanwhile), then halts.
     */
    static void child(String kind, int pairs, int size, double warmupSeconds, double measureSeconds) throws Exception {
        boolean fiber = kind.equals("fiber");
        Hub hub = Hub.current();
        Thread.Builder.OfVirtual clients = hub.virtualThreadBuilder().name("client-", 0);
        LongAdder roundTrips = new LongAdder();
        LongAdder errors = new LongAdder();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        ServerSocket ss = fiber ? fiberServerSocket() : new ServerSocket();
        ss.bind(new InetSocketAddress(loopback, 0), 1024);
        int port = ss.getLocalPort();
        hub.virtualThreadBuilder().name("acceptor").start(() -> {
            Thread.Builder.OfVirtual handlers = Hub.current().virtualThreadBuilder().name("handler-", 0);
            try {
                for (;;) {
                    Socket c = ss.accept();
                    handlers.start(() -> echo(c, size, errors));
                }
            } catch (IOException e) {
                errors.increment();
                System.out.println("accept: " + e);
            }
        });
        byte[] msg = new byte[size];
        Arrays.fill(msg, (byte) 'x');
        for (int i = 0; i < pairs; i++) {
            clients.start(() -> client(fiber, new InetSocketAddress(loopback, port), msg, roundTrips, errors));
        }
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Fibers.sleep(Duration.ofNanos((long) (warmupSeconds * 1e9))); // the hub runs every pair meanwhile
        long n0 = roundTrips.sum();
        long cpu0 = os.getProcessCpuTime();
        double busy0 = MachineCpu.busySeconds();
        long t0 = System.nanoTime();
        Fibers.sleep(Duration.ofNanos((long) (measureSeconds * 1e9)));
        long n1 = roundTrips.sum();
        long cpu1 = os.getProcessCpuTime();
        double busy1 = MachineCpu.busySeconds();
        long t1 = System.nanoTime();
        double secs = (t1 - t0) / 1e9;
        double own = (cpu1 - cpu0) / 1e9;
        System.out.printf(Locale.ROOT, "RESULT %.0f %.2f %.2f %d %d%n", (n1 - n0) / secs, own / secs,
                Math.max(0, busy1 - busy0 - own) / secs, ManagementFactory.getThreadMXBean().getThreadCount(), errors.sum());
        System.out.flush();
        Runtime.getRuntime().halt(0); // the pairs run forever
    }

    /** A ServerSocket over FiberSocketImpl whose accept makes FiberSocketImpl sockets (FiberSocketImpl's javadoc). */
    static ServerSocket fiberServerSocket() throws IOException {
        return new ServerSocket(new FiberSocketImpl(true)) {
            @Override
            public Socket accept() throws IOException {
                Socket c = new Socket(new FiberSocketImpl(false)) {
                };
                implAccept(c);
                return c;
            }
        };
    }

    private static void client(boolean fiber, InetSocketAddress server, byte[] msg, LongAdder roundTrips, LongAdder errors) {
        try (Socket s = fiber ? new Socket(new FiberSocketImpl(false)) {
        } : new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(server);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] back = new byte[msg.length];
            for (;;) {
                out.write(msg);
                for (int got = 0; got < back.length; ) {
                    int r = in.read(back, got, back.length - got);
                    if (r < 0) {
                        throw new IOException("server closed the connection");
                    }
                    got += r;
                }
                roundTrips.increment();
            }
        } catch (IOException e) {
            errors.increment();
            if (errors.sum() <= 5) {
                System.out.println("client: " + e);
            }
        }
    }

    private static void echo(Socket c, int size, LongAdder errors) {
        try (c; InputStream in = c.getInputStream(); OutputStream out = c.getOutputStream()) {
            c.setTcpNoDelay(true);
            byte[] buf = new byte[size];
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            errors.increment();
            if (errors.sum() <= 5) {
                System.out.println("handler: " + e);
            }
        }
    }
}
