package io.loomlet.jmh;

import io.loomlet.Fiber;
import java.util.concurrent.TimeUnit;
import jdk.internal.vm.Continuation;
import jdk.internal.vm.ContinuationScope;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A fiber's round trip (root switches into a fiber, the fiber switches back) beside its floor, a
 * bare continuation run + yield, in the same run. DESIGN.md's goal: within 1.3x. The full suite
 * (virtual and platform thread handoffs, spawn/join, queues, memory, echo) is issue #5.
 *
 * <p>Run: {@code ./loomlet bench} (or see the README's performance section).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-exports=java.base/jdk.internal.vm=ALL-UNNAMED")
public class SwitchBenchmark {
    private static final ContinuationScope SCOPE = new ContinuationScope("bench");
    private Continuation bare;
    private Fiber fiber;

    @Setup(Level.Trial)
    public void setup() {
        bare = new Continuation(SCOPE, () -> {
            for (;;) {
                Continuation.yield(SCOPE);
            }
        });
        fiber = new Fiber(v -> {
            for (;;) {
                Fiber.root().switchTo();
            }
        });
    }

    /** Baseline: one run + one yield of a raw continuation. */
    @Benchmark
    public void bareContinuationRunYield() {
        bare.run();
    }

    /** Root to fiber and back: the same one run + one yield, plus Loomlet's bookkeeping. */
    @Benchmark
    public Object fiberSwitchRoundTrip() {
        return fiber.switchTo();
    }
}
