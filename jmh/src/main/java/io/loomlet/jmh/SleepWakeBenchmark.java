package io.loomlet.jmh;

import io.loomlet.Fibers;
import io.loomlet.Hub;
import io.loomlet.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * 100,000 sleepers woken by their timers: spawn them all, each sleeps 1 ms, join them all; the score
 * is per sleeper. Beside 100,000 virtual threads doing the same (started and joined from a virtual
 * thread; the JDK's scheduler with its default parallelism, one carrier per core). Plus the single-fiber hot paths the
 * allocation goal is about ({@code -prof gc}): a wake through the ready queue (sleep(0)) and a timer
 * armed and fired (a 1 ns sleep).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgs = {Jvm.EXPORTS, Jvm.UNSAFE_ALLOW, "-Xmx4g"})
public class SleepWakeBenchmark {
    static final int N = 100_000;
    private static final Duration ONE_MS = Duration.ofMillis(1);
    private static final Duration ONE_NS = Duration.ofNanos(1);

    @Benchmark
    @OperationsPerInvocation(N)
    public void fibers100kSleep() {
        List<Task<Void>> ts = new ArrayList<>(N);
        for (int i = 0; i < N; i++) {
            ts.add(Fibers.spawn(() -> Fibers.sleep(ONE_MS)));
        }
        Fibers.joinAll(ts);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void virtualThreads100kSleep() throws InterruptedException {
        VirtualBatch.startAllJoinAll(N, () -> {
            try {
                Thread.sleep(ONE_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** One wake: the root queues itself and the hub resumes it (no other fiber). */
    @Benchmark
    public void wakeSleepZero() {
        Fibers.sleep(Duration.ZERO);
    }

    /** One timer: armed, due at once, fired, and the sleeper woken. */
    @Benchmark
    public void timerOneNanosecond() {
        Fibers.sleep(ONE_NS);
    }

    @TearDown
    public void closeHub() {
        Hub.current().close();
    }
}
