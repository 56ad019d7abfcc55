package io.loomlet.jmh;

import io.loomlet.Fibers;
import io.loomlet.Hub;
import io.loomlet.Task;
import io.loomlet.sync.Channel;
import io.loomlet.sync.FiberQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import jdk.internal.vm.Continuation;
import jdk.internal.vm.ContinuationScope;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Message ping-pong: a value goes from one side to the other and back ({@value #N} round trips per
 * invocation), over a Loomlet Channel and FiberQueue between two fibers, beside a SynchronousQueue
 * between two virtual threads of the JDK's scheduler: with its default parallelism (one carrier per
 * core, so on two cores the two threads run at once and its spin-then-park pays off) and with one
 * carrier, as a hub's fibers share one thread.
 *
 * <p>Two floors on bare continuations, no Loomlet code, for what a round trip can cost at all:
 * <ul>
 *   <li>{@code bareTrampolineRoundTrip}: two continuations run in turn from one loop, each
 *       yielding back to it: a run + yield of each side per round trip. Every design in which the
 *       loop resumes a woken fiber (Loomlet's, gevent's, the JDK's virtual threads) pays at least
 *       this.</li>
 *   <li>{@code bareNestedRoundTrip}: one continuation runs the other nested, on its own stack, and
 *       gets control back when that one yields: one run + yield per round trip. This is the direct
 *       handoff #10 asks about; Loomlet does not do it because the JDK lets a continuation run
 *       nested take the monitors of the one below it (see {@code NestedContinuationMonitorTest}).</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {Jvm.EXPORTS, Jvm.UNSAFE_ALLOW, "-Xmx2g"})
public class ChannelBenchmark {
    static final int N = 10_000;
    private static final Integer ONE = 1;
    private static final ContinuationScope SCOPE = new ContinuationScope("bench");

    @Benchmark
    @OperationsPerInvocation(N)
    public void fiberChannel() {
        Channel<Integer> there = new Channel<>();
        Channel<Integer> back = new Channel<>();
        Task<Void> echo = Fibers.spawn(() -> {
            for (int i = 0; i < N; i++) {
                back.put(there.get());
            }
        });
        Task<Void> send = Fibers.spawn(() -> {
            for (int i = 0; i < N; i++) {
                there.put(ONE);
                back.get();
            }
        });
        send.join();
        echo.join();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void fiberQueue() {
        FiberQueue<Integer> there = new FiberQueue<>(1);
        FiberQueue<Integer> back = new FiberQueue<>(1);
        Task<Void> echo = Fibers.spawn(() -> {
            for (int i = 0; i < N; i++) {
                back.put(there.get());
            }
        });
        Task<Void> send = Fibers.spawn(() -> {
            for (int i = 0; i < N; i++) {
                there.put(ONE);
                back.get();
            }
        });
        send.join();
        echo.join();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void bareTrampolineRoundTrip() {
        Continuation a = new Continuation(SCOPE, ChannelBenchmark::yieldForever);
        Continuation b = new Continuation(SCOPE, ChannelBenchmark::yieldForever);
        for (int i = 0; i < N; i++) {
            a.run();
            b.run();
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void bareNestedRoundTrip() {
        Continuation inner = new Continuation(SCOPE, ChannelBenchmark::yieldForever);
        Continuation outer = new Continuation(SCOPE, () -> {
            for (int i = 0; i < N; i++) {
                inner.run();
            }
        });
        outer.run();
    }

    private static void yieldForever() {
        for (;;) {
            Continuation.yield(SCOPE);
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void virtualThreadSynchronousQueue() throws InterruptedException {
        synchronousQueuePingPong();
    }

    /** The same on one carrier (parallelism 1), as a hub's fibers share one thread. */
    @Benchmark
    @OperationsPerInvocation(N)
    @Fork(jvmArgsAppend = "-Djdk.virtualThreadScheduler.parallelism=1")
    public void virtualThreadSynchronousQueueOneCarrier() throws InterruptedException {
        synchronousQueuePingPong();
    }

    private static void synchronousQueuePingPong() throws InterruptedException {
        SynchronousQueue<Integer> there = new SynchronousQueue<>();
        SynchronousQueue<Integer> back = new SynchronousQueue<>();
        Thread echo = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < N; i++) {
                    back.put(there.take());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread send = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < N; i++) {
                    there.put(ONE);
                    back.take();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        send.join();
        echo.join();
    }

    @TearDown
    public void closeHub() {
        Hub.current().close();
    }
}
