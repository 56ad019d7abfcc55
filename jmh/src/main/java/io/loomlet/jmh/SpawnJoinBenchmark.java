package io.loomlet.jmh;

import io.loomlet.Fibers;
import io.loomlet.Hub;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Spawn a task and join it, beside starting a virtual thread and joining it. Goal (DESIGN.md): the
 * task is faster. Both run an empty body; the join is from the benchmark thread (for Loomlet: its
 * root, which runs the hub until the task is done).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {Jvm.EXPORTS, Jvm.UNSAFE_ALLOW, "-Xmx2g"})
public class SpawnJoinBenchmark {
    private static final Runnable EMPTY = () -> { };

    @Benchmark
    public Object taskSpawnJoin() {
        return Fibers.spawn(() -> 1).get();
    }

    @Benchmark
    public void virtualThreadStartJoin() throws InterruptedException {
        Thread.ofVirtual().start(EMPTY).join();
    }

    @TearDown
    public void closeHub() {
        Hub.current().close();
    }
}
