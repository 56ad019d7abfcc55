package io.loomlet.jmh;

import io.loomlet.Fibers;
import io.loomlet.Hub;
import io.loomlet.Task;
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
 * Spawn a task and join it, beside starting a virtual thread and joining it, each as its own users
 * would (issue #10 item 2): a fiber program spawns and joins from fibers or from the root, whose
 * join runs the hub; a virtual-thread program starts and joins from virtual threads. Scores are per
 * task or thread; the batch forms do {@value #BATCH} per invocation.
 * <ul>
 *   <li>{@code taskSpawnJoin}: one task at a time from the root;</li>
 *   <li>{@code taskSpawnJoinInFiber}: one at a time from a fiber;</li>
 *   <li>{@code taskSpawnAllJoinAll}: a batch spawned, then {@code joinAll};</li>
 *   <li>{@code virtualThreadStartJoinFromVirtual}: one at a time from a virtual thread (JDK scheduler,
 *       its default parallelism: one carrier per core, two on a 2-core machine);
 *       {@code ...OneCarrier}: the same with {@code jdk.virtualThreadScheduler.parallelism=1};</li>
 *   <li>{@code virtualThreadStartAllJoinAll}: a batch started from a virtual thread, then joined;</li>
 *   <li>{@code virtualThreadStartJoinFromPlatform}: one at a time from the benchmark's platform thread,
 *       which parks its OS thread on every join: how the first report measured it, kept to show the
 *       difference; not a fair baseline.</li>
 * </ul>
 * Goal (DESIGN.md): the task is faster, against the fair virtual-thread forms.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {Jvm.EXPORTS, Jvm.UNSAFE_ALLOW, "-Xmx2g"})
public class SpawnJoinBenchmark {
    /**
     * Per invocation of a batch form. Large, so that the one start and join of the outer virtual
     * thread (or task) from the benchmark's platform thread, a park of an OS thread, adds well under
     * a nanosecond per operation.
     */
    static final int BATCH = 10_000;
    private static final Runnable EMPTY = () -> { };

    @Benchmark
    public Object taskSpawnJoin() {
        return Fibers.spawn(() -> 1).get();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Object taskSpawnJoinInFiber() {
        return Fibers.spawn(() -> {
            int sum = 0;
            for (int i = 0; i < BATCH; i++) {
                sum += Fibers.spawn(() -> 1).get();
            }
            return sum;
        }).get();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int taskSpawnAllJoinAll() {
        List<Task<Integer>> tasks = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            tasks.add(Fibers.spawn(() -> 1));
        }
        Fibers.joinAll(tasks);
        return tasks.size();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void virtualThreadStartJoinFromVirtual() throws InterruptedException {
        Thread.ofVirtual().start(SpawnJoinBenchmark::startJoinEach).join();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    @Fork(jvmArgsAppend = "-Djdk.virtualThreadScheduler.parallelism=1")
    public void virtualThreadStartJoinFromVirtualOneCarrier() throws InterruptedException {
        Thread.ofVirtual().start(SpawnJoinBenchmark::startJoinEach).join();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void virtualThreadStartAllJoinAll() throws InterruptedException {
        VirtualBatch.startAllJoinAll(BATCH, EMPTY);
    }

    @Benchmark
    public void virtualThreadStartJoinFromPlatform() throws InterruptedException {
        Thread.ofVirtual().start(EMPTY).join();
    }

    private static void startJoinEach() {
        try {
            for (int i = 0; i < BATCH; i++) {
                Thread.ofVirtual().start(EMPTY).join();
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @TearDown
    public void closeHub() {
        Hub.current().close();
    }
}
