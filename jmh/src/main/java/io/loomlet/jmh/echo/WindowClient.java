package io.loomlet.jmh.echo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * A plain-{@code java.nio} echo client that drives one set of connections at a time for a window
 * (no Loomlet code): what the harnesses that compare inside one run, window against window, share
 * ({@link ColdStartHarness}: two sets on one server; {@link InterleavedEchoHarness}: one set per
 * server). Each connection has one message in flight; every echo is checked (the servers
 * upper-case); the first 0.3 s of a window is not counted. Errors (a closed connection, a wrong
 * echo, an echo that never came back) add up in {@link #errors}.
 */
final class WindowClient {
    private static final long UNCOUNTED_NANOS = 300_000_000L;
    private static final long DRAIN_NANOS = 3_000_000_000L;

    /** One connection, with at most one message in flight. */
    static final class Conn {
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

    private final String label;
    final InetSocketAddress addr;
    final int size;
    long errors;
    /** Every echo the last {@link #drive} received, counted or not (its uncounted start and drain too). */
    long lastEchoes;

    WindowClient(String label, InetSocketAddress addr, int size) {
        this.label = label;
        this.addr = addr;
        this.size = size;
    }

    /** Opens {@code n} connections into {@code set} (which the caller closes, however this ends). */
    void open(List<Conn> set, int n, int firstId) throws IOException {
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

    static void close(List<Conn> set) throws IOException {
        for (Conn c : set) {
            c.ch.close();
        }
    }

    /**
     * Drives one set alone for {@code seconds}, then waits for the echoes in flight; returns the
     * round trips per second after the first 0.3 s. The selector's close at the end deregisters the
     * set's channels, which the next window registers with a new one.
     */
    double drive(List<Conn> set, double seconds) throws IOException {
        long counted = 0;
        long echoes = 0;
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
                    System.out.println(label + ": " + inFlight + " echoes did not come back");
                    break;
                }
                sel.select(Math.max(1, Math.min(100, (drainEnd - now) / 1_000_000)));
                now = System.nanoTime();
                for (SelectionKey k : sel.selectedKeys()) {
                    Conn c = (Conn) k.attachment();
                    int r = c.ch.read(c.in);
                    if (r < 0) {
                        errors++;
                        System.out.println(label + ": the server closed a connection");
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
                    echoes++;
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
        lastEchoes = echoes;
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

    /**
     * The port a server JVM printed ("listening on port N"; the caller bounds the wait); its other
     * lines, before and after, go to stderr tagged with the server's name.
     */
    static int awaitPort(String server, Process p) {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        try {
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
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException(server + " ended before it listened");
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** The mean of {@code v} and the half-width of its 95% confidence interval (Student t); NaN for one value. */
    static double[] meanAndHalf(double[] v) {
        double mean = 0;
        for (double x : v) {
            mean += x;
        }
        mean /= v.length;
        if (v.length < 2) {
            return new double[] {mean, Double.NaN};
        }
        double var = 0;
        for (double x : v) {
            var += (x - mean) * (x - mean);
        }
        return new double[] {mean, NioEchoHarness.t975(v.length - 1) * Math.sqrt(var / (v.length - 1) / v.length)};
    }
}
