package io.loomlet.jmh.echo;

import io.loomlet.Fibers;
import io.loomlet.Task;
import io.loomlet.net.FiberSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The echo harness's load client: N fibers on this thread, each connecting, sending
 * "Thread-N say hello K", reading the whole upper-cased echo, checking it, and going again until the
 * duration ends; then round trips per second, p50/p99/max latency and the error count. The same load
 * as the demo's StressClient (examples/), kept here so that jmh depends on fibers only.
 */
public final class LoadClient {
    private LoadClient() {
    }

    /** What to run. */
    public record Config(String host, int port, int clients, int size, double seconds, boolean progress) {
    }

    /** What happened. */
    public record Result(long roundTrips, long errors, double seconds, long p50Micros, long p99Micros, long maxMicros) {
        public double perSecond() {
            return roundTrips / seconds;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d round trips in %.1f s = %.0f/s; latency p50 %d us, p99 %d us, max %d us; errors %d",
                    roundTrips, seconds, perSecond(), p50Micros, p99Micros, maxMicros, errors);
        }
    }

    /** Latencies in microseconds, bucketed: exact below 10 ms, 100 us steps up to 10 s. */
    static final class Histogram {
        private static final int FINE = 10_000;
        private static final int COARSE = 100_000;
        final AtomicLongArray fine = new AtomicLongArray(FINE);
        final AtomicLongArray coarse = new AtomicLongArray(COARSE);
        long count;
        long max;

        void add(long micros) {
            count++;
            max = Math.max(max, micros);
            if (micros < FINE) {
                fine.incrementAndGet((int) micros);
            } else {
                coarse.incrementAndGet((int) Math.min(COARSE - 1, micros / 100));
            }
        }

        long percentile(double p) {
            long want = (long) Math.ceil(count * p);
            long seen = 0;
            for (int i = 0; i < FINE; i++) {
                seen += fine.get(i);
                if (seen >= want && want > 0) {
                    return i;
                }
            }
            for (int i = 0; i < COARSE; i++) {
                seen += coarse.get(i);
                if (seen >= want && want > 0) {
                    return i * 100L;
                }
            }
            return max;
        }
    }

    /** Runs the clients on this thread's hub and returns the totals. */
    public static Result run(Config cfg) {
        Histogram h = new Histogram();
        long[] errors = {0};
        long start = System.nanoTime();
        long end = start + (long) (cfg.seconds() * 1e9);
        List<Task<Void>> clients = new ArrayList<>(cfg.clients());
        for (int i = 0; i < cfg.clients(); i++) {
            String name = "Thread-" + i;
            clients.add(Fibers.spawn(name, () -> client(cfg, name, end, h, errors)));
        }
        Task<Void> progress = cfg.progress() ? Fibers.spawn(() -> {
            long last = 0;
            for (int s = 1; System.nanoTime() < end; s++) {
                Fibers.sleep(1000);
                long now = h.count;
                System.out.printf(Locale.ROOT, "%3d s: %8d round trips/s, %d errors so far%n", s, now - last, errors[0]);
                last = now;
            }
        }) : null;
        Fibers.joinAll(clients);
        if (progress != null) {
            progress.kill();
        }
        double secs = (System.nanoTime() - start) / 1e9;
        return new Result(h.count, errors[0], secs, h.percentile(0.50), h.percentile(0.99), h.max);
    }

    private static void client(Config cfg, String name, long end, Histogram h, long[] errors) {
        try (FiberSocket c = FiberSocket.connect(new InetSocketAddress(cfg.host(), cfg.port()), Duration.ofSeconds(10))) {
            c.setTcpNoDelay(true);
            ByteBuffer in = ByteBuffer.allocate(Math.max(64, cfg.size() + 64));
            for (long count = 0; System.nanoTime() < end; count++) {
                byte[] msg = message(name, count, cfg.size());
                long t0 = System.nanoTime();
                c.write(msg);
                in.clear().limit(msg.length);
                while (in.hasRemaining()) {
                    if (c.read(in) < 0) {
                        throw new IOException("server closed the connection");
                    }
                }
                h.add((System.nanoTime() - t0) / 1000);
                String got = new String(in.array(), 0, msg.length, StandardCharsets.UTF_8);
                if (!got.equals(new String(msg, StandardCharsets.UTF_8).toUpperCase(Locale.ROOT))) {
                    throw new IOException("wrong echo: " + got);
                }
            }
        } catch (IOException e) {
            errors[0]++;
            if (errors[0] <= 5) {
                System.err.println(name + ": " + e);
            }
        }
    }

    static byte[] message(String name, long count, int size) {
        StringBuilder sb = new StringBuilder(name).append(" say hello ").append(count);
        while (sb.length() < size) {
            sb.append('.');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
