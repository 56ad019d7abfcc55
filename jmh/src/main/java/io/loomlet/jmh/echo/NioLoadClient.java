package io.loomlet.jmh.echo;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * An echo load client in plain {@code java.nio}, with no Loomlet code, so that it drives every echo
 * server the same way whatever the server is built on: one thread, one {@link Selector}, N
 * non-blocking connections to a loopback port, each with one fixed-size message in flight: write it,
 * read back the whole echo, check it byte for byte (the servers upper-case, so the message is lower
 * case letters that change with every round trip), and go again at once.
 *
 * <p>Phases: churn (optional, {@code --churn N}: N short connections before the measured ones, in
 * waves of at most 500 open at once, each one round trip of the same message, then closed; so that
 * the server's once-per-connection path — accept, spawn, a handler's entry — is compiled as in a
 * server that has run a while, which changes what a parked connection's stack holds; BENCHMARKS.md,
 * "Connections that start cold"), connect (every connection started at once, each given {@code --connect-timeout}
 * seconds), then {@code --warmup} seconds of load that are not counted, then {@code --seconds} of
 * measured load, then up to 2 s for the echoes still in flight to come back (not counted: no
 * connection sends again), then every channel is closed and the client exits: each phase is
 * bounded in time, so it stops by itself. A round trip counts when its echo is complete inside the
 * measured window (round trips per second are over the window's whole length); its latency, from the write to the last byte of the echo,
 * goes into a log-linear histogram (better than 1% resolution). It prints {@code MEASURING} when the
 * measured window starts and {@code MEASURED} when it ends (a harness can sample CPU time between
 * them), and one result line at the end:
 *
 * <pre>RESULT connections=500 size=64 seconds=10.000 roundTrips=... rtPerSecond=... p50us=... p99us=... (and, at the end, minPerConnection/maxPerConnection: round trips of the least and most served connection in the window)
 * p999us=... maxUs=... errors=... connectErrors=... resets=... badEchoes=... eofs=... live=500
 * clientCpuPerSecond=...</pre>
 *
 * <p>Errors: {@code connectErrors} (refused, or not connected within the timeout; and any churn
 * connection that failed: refused, reset, a wrong or missing echo within the timeout), {@code resets}
 * (an I/O error on read or write: reset, broken pipe), {@code badEchoes} (a byte that is not the
 * upper-cased byte sent), {@code eofs} (the server closed the connection, whether mid-echo or
 * between messages). A connection with an error is closed and not replaced; {@code live} is how many
 * were still running at the end of the measured window. Errors are counted from the connect phase
 * to the end of the drain; a run is clean only with {@code errors=0}. The exit status is 0 when no error
 * happened, 1 otherwise.
 *
 * <p>Usage: {@code NioLoadClient --port P [--host 127.0.0.1] [--connections 500] [--size 64]
 * [--warmup 5] [--seconds 10] [--connect-timeout 10] [--churn 0]}. The host must be a loopback address.
 */
public final class NioLoadClient {
    /** After the measured window, how long the echoes still in flight may take to come back. */
    private static final long DRAIN_NANOS = 2_000_000_000L;

    private NioLoadClient() {
    }

    /** What to run. */
    record Config(String host, int port, int connections, int size, double warmupSeconds, double seconds,
            double connectTimeoutSeconds, int churn) {
        Config {
            if (connections < 1 || size < 1 || seconds <= 0 || warmupSeconds < 0 || connectTimeoutSeconds <= 0
                    || churn < 0) {
                throw new IllegalArgumentException("connections, size and seconds must be positive, warm-up and churn "
                        + "not negative: " + this);
            }
        }
    }

    /** What happened. */
    record Result(int connections, int size, double seconds, long roundTrips, double p50us, double p99us,
            double p999us, double maxUs, long connectErrors, long resets, long badEchoes, long eofs, int live,
            double clientCpuPerSecond, long minPerConnection, long maxPerConnection) {
        long errors() {
            return connectErrors + resets + badEchoes + eofs;
        }

        double perSecond() {
            return roundTrips / seconds;
        }

        String line() {
            return String.format(Locale.ROOT,
                    "RESULT connections=%d size=%d seconds=%.3f roundTrips=%d rtPerSecond=%.0f p50us=%.1f p99us=%.1f"
                            + " p999us=%.1f maxUs=%.1f errors=%d connectErrors=%d resets=%d badEchoes=%d eofs=%d live=%d"
                            + " clientCpuPerSecond=%.3f minPerConnection=%d maxPerConnection=%d",
                    connections, size, seconds, roundTrips, perSecond(), p50us, p99us, p999us, maxUs, errors(),
                    connectErrors, resets, badEchoes, eofs, live, clientCpuPerSecond, minPerConnection, maxPerConnection);
        }
    }

    /**
     * Latencies in nanoseconds, log-linear: exact below 256 ns, then 128 buckets per power of two (a
     * bucket is under 0.8% of its values wide), up to about 2^42 ns (73 minutes); larger values land
     * in the last bucket. Fixed size, no allocation when adding.
     */
    static final class Histogram {
        private static final int SUB_BITS = 7;
        private static final int SUB = 1 << SUB_BITS; // 128
        private static final int MAX_SHIFT = 35;
        private final long[] counts = new long[2 * SUB + MAX_SHIFT * SUB];
        private long count;
        private long max;

        static int index(long v) {
            if (v < 2 * SUB) {
                return (int) Math.max(0, v);
            }
            int shift = 63 - Long.numberOfLeadingZeros(v) - SUB_BITS; // >= 1
            if (shift > MAX_SHIFT) {
                return 2 * SUB + MAX_SHIFT * SUB - 1;
            }
            return 2 * SUB + (shift - 1) * SUB + (int) ((v >>> shift) - SUB);
        }

        /** The largest value that falls into bucket i. */
        static long highest(int i) {
            if (i < 2 * SUB) {
                return i;
            }
            int shift = (i - 2 * SUB) / SUB + 1;
            long m = (i - 2 * SUB) % SUB + SUB;
            return ((m + 1) << shift) - 1;
        }

        void add(long nanos) {
            counts[index(nanos)]++;
            count++;
            if (nanos > max) {
                max = nanos;
            }
        }

        long count() {
            return count;
        }

        long max() {
            return max;
        }

        /** The value at or below which a fraction p of the values lie (a bucket's highest value; at most the maximum). */
        long percentile(double p) {
            if (count == 0) {
                return 0;
            }
            long want = Math.max(1, (long) Math.ceil(count * p));
            long seen = 0;
            for (int i = 0; i < counts.length; i++) {
                seen += counts[i];
                if (seen >= want) {
                    return Math.min(highest(i), max);
                }
            }
            return max;
        }
    }

    /** One connection: its channel, the message in flight and its echo. */
    private static final class Conn {
        final int id;
        final SocketChannel ch;
        final ByteBuffer out;
        final ByteBuffer in;
        SelectionKey key;
        long seq;
        long sentAt;
        boolean connected;
        boolean inFlight;
        /** Round trips that ended inside the measured window: a starved connection has few or none. */
        long windowTrips;

        Conn(int id, SocketChannel ch, int size) {
            this.id = id;
            this.ch = ch;
            this.out = ByteBuffer.allocateDirect(size);
            this.in = ByteBuffer.allocateDirect(size);
        }

        /** Lower-case letters that differ between connections and between round trips. */
        byte sent(int i) {
            return (byte) ('a' + (int) ((id * 7L + seq * 3 + i) % 26));
        }

        void fill() {
            out.clear();
            for (int i = 0, n = out.capacity(); i < n; i++) {
                out.put(i, sent(i));
            }
        }

        boolean echoIsRight() {
            for (int i = 0, n = in.capacity(); i < n; i++) {
                if (in.get(i) != sent(i) - 32) {
                    return false;
                }
            }
            return true;
        }
    }

    private final Histogram histogram = new Histogram();
    private long connectErrors;
    private long resets;
    private long badEchoes;
    private long eofs;
    private int live;
    private int inFlight;
    private boolean measuring;
    private long windowStart;
    private long windowEnd = Long.MAX_VALUE;

    public static void main(String[] args) throws IOException {
        Config cfg = parse(args);
        Result r = new NioLoadClient().run(cfg);
        System.out.println(r.line());
        System.out.flush();
        System.exit(r.errors() == 0 ? 0 : 1);
    }

    static Config parse(String[] args) {
        String host = "127.0.0.1";
        int port = -1;
        int connections = 500;
        int size = 64;
        double warmup = 5;
        double seconds = 10;
        double connectTimeout = 10;
        int churn = 0;
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("no value for " + args[i]);
            }
            String v = args[i + 1];
            switch (args[i]) {
                case "--host" -> host = v;
                case "--port" -> port = Integer.parseInt(v);
                case "--connections" -> connections = Integer.parseInt(v);
                case "--size" -> size = Integer.parseInt(v);
                case "--warmup" -> warmup = Double.parseDouble(v);
                case "--seconds" -> seconds = Double.parseDouble(v);
                case "--connect-timeout" -> connectTimeout = Double.parseDouble(v);
                case "--churn" -> churn = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (--port P [--host H] [--connections N] [--size B] [--warmup S] [--seconds S] [--connect-timeout S]"
                        + " [--churn N])");
            }
        }
        if (port <= 0) {
            throw new IllegalArgumentException("--port is required");
        }
        return new Config(host, port, connections, size, warmup, seconds, connectTimeout, churn);
    }

    Result run(Config cfg) throws IOException {
        InetSocketAddress addr = new InetSocketAddress(cfg.host(), cfg.port());
        if (addr.isUnresolved() || !addr.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("loopback only: " + cfg.host());
        }
        connectErrors += churn(addr, cfg);
        List<Conn> conns = new ArrayList<>(cfg.connections());
        double cpuAtStart = 0;
        int liveAtEnd;
        double cpuAtEnd;
        try (Selector sel = Selector.open()) {
            long t = System.nanoTime();
            long connectDeadline = t + (long) (cfg.connectTimeoutSeconds() * 1e9);
            int connecting = 0;
            for (int i = 0; i < cfg.connections(); i++) {
                SocketChannel ch;
                try {
                    ch = SocketChannel.open();
                } catch (IOException e) {
                    connectErrors++; // e.g. out of file descriptors
                    continue;
                }
                Conn c = new Conn(i, ch, cfg.size());
                conns.add(c);
                try {
                    ch.configureBlocking(false);
                    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    if (ch.connect(addr)) {
                        c.key = ch.register(sel, SelectionKey.OP_READ, c);
                        connected(c);
                    } else {
                        c.key = ch.register(sel, SelectionKey.OP_CONNECT, c);
                        connecting++;
                    }
                } catch (IOException e) {
                    connectErrors++;
                    close(c);
                }
            }
            // Connect: the connections that are up already echo (that is warm-up too).
            while (connecting > 0 && System.nanoTime() < connectDeadline) {
                sel.select(Math.max(1, (connectDeadline - System.nanoTime()) / 1_000_000));
                connecting -= handle(sel);
            }
            for (Conn c : conns) {
                if (c.key != null && c.key.isValid() && !c.connected) {
                    connectErrors++; // not connected in time
                    close(c);
                }
            }
            // Warm-up, then the measured window.
            long warmEnd = System.nanoTime() + (long) (cfg.warmupSeconds() * 1e9);
            while (live > 0 && System.nanoTime() < warmEnd) {
                sel.select(Math.max(1, (warmEnd - System.nanoTime()) / 1_000_000));
                handle(sel);
            }
            System.out.println("MEASURING");
            System.out.flush();
            cpuAtStart = processCpuSeconds();
            windowStart = System.nanoTime();
            windowEnd = windowStart + (long) (cfg.seconds() * 1e9);
            measuring = true;
            long now;
            while (live > 0 && (now = System.nanoTime()) < windowEnd) {
                sel.select(Math.max(1, (windowEnd - now) / 1_000_000));
                handle(sel);
            }
            liveAtEnd = live;
            cpuAtEnd = processCpuSeconds();
            System.out.println("MEASURED");
            System.out.flush();
            // Drain: no new messages; read the echoes still in flight, so that every connection ends
            // with a clean close (the server reads EOF) rather than a reset.
            long drainEnd = System.nanoTime() + DRAIN_NANOS;
            while (inFlight > 0 && (now = System.nanoTime()) < drainEnd) {
                sel.select(Math.max(1, (drainEnd - now) / 1_000_000));
                handle(sel);
            }
        } finally {
            for (Conn c : conns) {
                close(c);
            }
        }
        // The window's length whatever happened in it: round trips count only when they end inside it,
        // and connections that died early contribute nothing for the rest of it.
        double secs = (windowEnd - windowStart) / 1e9;
        double cpu = (cpuAtEnd - cpuAtStart) / secs;
        Histogram h = histogram;
        long minPer = Long.MAX_VALUE;
        long maxPer = 0;
        for (Conn c : conns) {
            if (c.connected) {
                minPer = Math.min(minPer, c.windowTrips);
                maxPer = Math.max(maxPer, c.windowTrips);
            }
        }
        return new Result(cfg.connections(), cfg.size(), secs, h.count(), h.percentile(0.50) / 1e3,
                h.percentile(0.99) / 1e3, h.percentile(0.999) / 1e3, h.max() / 1e3, connectErrors, resets, badEchoes,
                eofs, liveAtEnd, cpu, minPer == Long.MAX_VALUE ? 0 : minPer, maxPer);
    }

    /** Handles the selected keys; returns how many connections finished connecting (well or not). */
    private int handle(Selector sel) {
        int finished = 0;
        Iterator<SelectionKey> it = sel.selectedKeys().iterator();
        while (it.hasNext()) {
            SelectionKey k = it.next();
            it.remove();
            if (!k.isValid()) {
                continue;
            }
            Conn c = (Conn) k.attachment();
            if (!c.connected) {
                try {
                    if (c.ch.finishConnect()) {
                        finished++;
                        k.interestOps(SelectionKey.OP_READ);
                        connected(c);
                    }
                } catch (IOException e) {
                    finished++;
                    connectErrors++;
                    close(c);
                }
                continue;
            }
            try {
                if (k.isWritable()) {
                    c.ch.write(c.out);
                    if (!c.out.hasRemaining()) {
                        k.interestOps(SelectionKey.OP_READ);
                    }
                }
                if (k.isReadable()) {
                    read(c);
                }
            } catch (IOException e) {
                resets++;
                close(c);
            }
        }
        return finished;
    }

    private void connected(Conn c) throws IOException {
        c.connected = true;
        live++;
        send(c);
    }

    /** Starts the connection's next round trip: the whole message if the socket takes it, else the rest on OP_WRITE. */
    private void send(Conn c) throws IOException {
        c.fill();
        c.in.clear();
        c.sentAt = System.nanoTime();
        c.inFlight = true;
        inFlight++;
        c.ch.write(c.out);
        if (c.out.hasRemaining()) {
            c.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        }
    }

    private void read(Conn c) throws IOException {
        int n = c.ch.read(c.in);
        if (n < 0) {
            eofs++;
            close(c);
            return;
        }
        if (c.in.hasRemaining()) {
            return; // part of the echo; the rest comes with a later OP_READ
        }
        long now = System.nanoTime();
        c.inFlight = false;
        inFlight--;
        if (!c.echoIsRight()) {
            badEchoes++;
            close(c);
            return;
        }
        if (measuring && now < windowEnd) {
            histogram.add(now - c.sentAt);
            c.windowTrips++;
        }
        c.seq++;
        if (now < windowEnd) {
            send(c);
        }
    }

    private void close(Conn c) {
        if (c.key != null) {
            c.key.cancel();
        }
        if (c.connected && c.ch.isOpen()) {
            live--;
            if (c.inFlight) {
                c.inFlight = false;
                inFlight--;
            }
        }
        try {
            c.ch.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** Churn connections opened at once, at most. */
    private static final int CHURN_WAVE = 500;

    /**
     * The churn phase (see the class comment): plain blocking {@link Socket}s with the connect timeout
     * as connect and read timeout, and the whole phase bounded too (the connect timeout, or 20 ms a
     * connection if that is longer): what is left at the deadline counts as failed. Returns how many
     * failed.
     */
    static int churn(InetSocketAddress addr, Config cfg) {
        int timeoutMs = (int) Math.max(1, cfg.connectTimeoutSeconds() * 1000);
        long deadline = System.nanoTime() + Math.max(TimeUnit.MILLISECONDS.toNanos(timeoutMs),
                TimeUnit.MILLISECONDS.toNanos(20L * cfg.churn()));
        byte[] out = new byte[cfg.size()];
        byte[] in = new byte[cfg.size()];
        int failed = 0;
        for (int done = 0; done < cfg.churn(); ) {
            if (System.nanoTime() > deadline) {
                System.out.println("churn: out of time after " + done + " connections");
                return failed + cfg.churn() - done;
            }
            int wave = Math.min(CHURN_WAVE, cfg.churn() - done);
            List<Socket> open = new ArrayList<>(wave);
            try {
                for (int i = 0; i < wave; i++) {
                    Socket s = new Socket();
                    open.add(s);
                    try {
                        s.connect(addr, timeoutMs);
                        s.setSoTimeout(timeoutMs);
                        s.setTcpNoDelay(true);
                        for (int b = 0; b < out.length; b++) {
                            out[b] = (byte) ('a' + (done + i + b) % 26);
                        }
                        s.getOutputStream().write(out);
                        if (s.getInputStream().readNBytes(in, 0, in.length) != in.length || !Arrays.equals(in, upper(out))) {
                            failed++;
                        }
                    } catch (IOException e) {
                        failed++;
                    }
                }
            } finally {
                for (Socket s : open) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // closing: nothing else to do
                    }
                }
            }
            done += wave;
        }
        return failed;
    }

    private static byte[] upper(byte[] b) {
        byte[] u = b.clone();
        for (int i = 0; i < u.length; i++) {
            u[i] -= 32;
        }
        return u;
    }

    private static double processCpuSeconds() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }
}
