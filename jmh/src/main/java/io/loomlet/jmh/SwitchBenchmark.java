package io.loomlet.jmh;

import io.loomlet.Fiber;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import jdk.internal.vm.Continuation;
import jdk.internal.vm.ContinuationScope;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One switch of control, four ways, in the same run. A bare continuation's run + yield is one
 * switch's worth of work (the trampoline runs a fiber switch as exactly one yield plus one run); the
 * others are scored per single switch or handoff (a ping-pong round trip counts two):
 * <ul>
 *   <li>{@code bareContinuation}: a raw Continuation run + yield — the floor (DESIGN: ~87 ns);</li>
 *   <li>{@code fiberPingPong}: two fibers switching to each other with {@code switchTo};</li>
 *   <li>{@code virtualThreadHandoff}: two virtual threads handing a turn with LockSupport park/unpark,
 *       on the JDK's scheduler with its default parallelism (one carrier per core: two carriers on a
 *       2-core machine, so the two threads may run at once); {@code virtualThreadHandoffOneCarrier}:
 *       the same on one carrier, as a hub's fibers share one thread;</li>
 *   <li>{@code platformThreadHandoff}: the same with two platform threads.</li>
 * </ul>
 * Each invocation does {@value #N} round trips, so the per-invocation cost of JMH (and, for threads,
 * the kick-off from the benchmark thread) is amortised. Goals (DESIGN.md): fiber within 1.3x of bare,
 * faster than virtual threads, at least 10x faster than platform threads.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {Jvm.EXPORTS, Jvm.UNSAFE_ALLOW, "-Xmx2g"})
public class SwitchBenchmark {
    static final int N = 10_000;
    private static final ContinuationScope SCOPE = new ContinuationScope("bench");
    private Continuation bare;
    private Fiber ping;
    private Fiber pong;
    private Handoff virtual;
    private Handoff platform;

    @Setup(Level.Trial)
    public void setup() {
        bare = new Continuation(SCOPE, () -> {
            for (;;) {
                Continuation.yield(SCOPE);
            }
        });
        Fiber[] pp = new Fiber[2];
        pp[0] = new Fiber("ping", v -> {
            for (;;) {
                int n = (Integer) v;
                for (int i = 0; i < n; i++) {
                    pp[1].switchTo();
                }
                v = Fiber.root().switchTo();
            }
        });
        pp[1] = new Fiber("pong", v -> {
            for (;;) {
                pp[0].switchTo();
            }
        });
        ping = pp[0];
        pong = pp[1];
        virtual = new Handoff(Thread.ofVirtual().factory());
        platform = new Handoff(Thread.ofPlatform().daemon().factory());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        virtual.close();
        platform.close();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void bareContinuation() {
        for (int i = 0; i < N; i++) {
            bare.run();
        }
    }

    @Benchmark
    @OperationsPerInvocation(2 * N)
    public Object fiberPingPong() {
        return ping.switchTo(N); // ping and pong switch to each other N times, then ping returns to the root
    }

    @Benchmark
    @OperationsPerInvocation(2 * N)
    public void virtualThreadHandoff() throws InterruptedException {
        virtual.run(N);
    }

    @Benchmark
    @OperationsPerInvocation(2 * N)
    @Fork(jvmArgsAppend = "-Djdk.virtualThreadScheduler.parallelism=1")
    public void virtualThreadHandoffOneCarrier() throws InterruptedException {
        virtual.run(N);
    }

    @Benchmark
    @OperationsPerInvocation(2 * N)
    public void platformThreadHandoff() throws InterruptedException {
        platform.run(N);
    }

    /** Two threads passing a turn back and forth with park/unpark, N round trips per run(). */
    static final class Handoff {
        private final Thread a;
        private final Thread b;
        private final java.util.concurrent.Semaphore requests = new java.util.concurrent.Semaphore(0);
        private volatile int turn; // 0: a's turn, 1: b's turn
        private volatile int rounds;
        private volatile CountDownLatch done;
        private volatile boolean stop;

        Handoff(java.util.concurrent.ThreadFactory f) {
            a = f.newThread(this::runA);
            b = f.newThread(this::runB);
            a.start();
            b.start();
        }

        /** Runs {@code n} round trips between a and b; the caller waits (once per n, amortised). */
        void run(int n) throws InterruptedException {
            rounds = n;
            CountDownLatch d = new CountDownLatch(1);
            done = d;
            requests.release();
            d.await();
        }

        private void runA() {
            try {
                for (;;) {
                    requests.acquire();
                    int n = rounds;
                    for (int i = 0; i < n; i++) {
                        turn = 1;
                        LockSupport.unpark(b);
                        while (turn != 0) {
                            LockSupport.park(this);
                        }
                    }
                    done.countDown();
                }
            } catch (InterruptedException e) {
                // closed
            }
        }

        private void runB() {
            while (!stop) {
                while (turn != 1 && !stop) {
                    LockSupport.park(this);
                }
                if (stop) {
                    return;
                }
                turn = 0;
                LockSupport.unpark(a);
            }
        }

        void close() {
            stop = true;
            a.interrupt();
            LockSupport.unpark(b);
        }
    }
}
