package io.loomlet.jmh;

import io.loomlet.Fibers;
import io.loomlet.Hub;
import io.loomlet.Task;
import io.loomlet.sync.Event;
import io.loomlet.sync.Lock;
import io.loomlet.sync.Semaphore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
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
 * The single-hub paths of the primitives that became thread-safe in #9 (Semaphore, Lock, Event):
 * uncontended acquire + release, a set event's wait, and round trips between two fibers of one hub
 * through a parked waiter (park, grant, wake). Beside them, {@code ReentrantLock} lock + unlock and
 * {@code java.util.concurrent.Semaphore} acquire + release (the JDK's compare-and-set paths, what a
 * thread-safe primitive costs uncontended); {@code ChannelBenchmark.fiberQueue} is the same kind of round trip
 * on the hub-confined {@code ParkingLot}. This file compiles unchanged against the hub-confined
 * primitives of the commit before the one that made them thread-safe: copy it there and run
 * {@code ./loomlet bench SyncBenchmark -prof gc} on both, one after the other on an idle machine.
 *
 * <p>With native access the primitives are biased to the hub that uses them ({@code Bias}); the
 * nested {@link Unbiased} runs every benchmark again in the same run with the bias switched off
 * ({@code -Dloomlet.biasedPrimitives=false}): the thread-safe paths that a primitive takes once a
 * second thread has used it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {Jvm.EXPORTS, Jvm.NATIVE, Jvm.UNSAFE_ALLOW, "-Xmx2g"})
public class SyncBenchmark {
    static final int N = 10_000;

    private final Semaphore semaphore = new Semaphore(1);
    private final Lock lock = new Lock();
    private final ReentrantLock reentrantLock = new ReentrantLock();
    private final java.util.concurrent.Semaphore jucSemaphore = new java.util.concurrent.Semaphore(1);
    private final Event setEvent = new Event();

    {
        setEvent.set();
    }

    @Benchmark
    public void semaphoreAcquireRelease() {
        semaphore.acquire();
        semaphore.release();
    }

    @Benchmark
    public void lockAcquireRelease() {
        lock.acquire();
        lock.release();
    }

    @Benchmark
    public void lockHold() {
        try (var held = lock.hold()) {
            // the idiom's own cost: a Held per hold
        }
    }

    /** The JDK's own thread-safe semaphore, uncontended: its compare-and-set path. */
    @Benchmark
    public void jucSemaphoreAcquireRelease() throws InterruptedException {
        jucSemaphore.acquire();
        jucSemaphore.release();
    }

    @Benchmark
    public void reentrantLockLockUnlock() {
        reentrantLock.lock();
        reentrantLock.unlock();
    }

    @Benchmark
    public boolean eventAwaitSet() {
        return setEvent.await();
    }

    /** One set with nobody waiting (it takes the lot's monitor) and one clear. */
    @Benchmark
    public void eventSetClear() {
        Event e = setEvent;
        e.clear();
        e.set();
    }

    /** Two fibers hand a permit back and forth through two semaphores: each hop parks and is granted. */
    @Benchmark
    @OperationsPerInvocation(N)
    public void semaphoreRoundTrip() {
        Semaphore there = new Semaphore(0);
        Semaphore back = new Semaphore(0);
        Task<Void> echo = Fibers.spawn(() -> {
            for (int i = 0; i < N; i++) {
                there.acquire();
                back.release();
            }
        });
        for (int i = 0; i < N; i++) {
            there.release();
            back.acquire();
        }
        echo.join();
    }

    /** The same with events: set wakes the other side, which clears its event and sets the other. */
    @Benchmark
    @OperationsPerInvocation(N)
    public void eventRoundTrip() {
        Event there = new Event();
        Event back = new Event();
        Task<Void> echo = Fibers.spawn(() -> {
            for (int i = 0; i < N; i++) {
                there.await();
                there.clear();
                back.set();
            }
        });
        for (int i = 0; i < N; i++) {
            there.set();
            back.await();
            back.clear();
        }
        echo.join();
    }

    /** Two fibers taking turns on a lock they hold across a yield: every acquire waits and is handed the lock. */
    @Benchmark
    @OperationsPerInvocation(2 * N)
    public void lockHandOff() {
        Lock l = new Lock();
        Fibers.Action turns = () -> {
            for (int i = 0; i < N; i++) {
                l.acquire();
                Fibers.sleep(Duration.ZERO);
                l.release();
            }
        };
        Task<Void> a = Fibers.spawn(turns);
        Task<Void> b = Fibers.spawn(turns);
        a.join();
        b.join();
    }

    @TearDown
    public void closeHub() {
        Hub.current().close();
    }

    /** Every benchmark above with the bias off: the thread-safe paths, as after a revocation. */
    @Fork(value = 1, jvmArgs = {Jvm.EXPORTS, Jvm.NATIVE, Jvm.UNSAFE_ALLOW, "-Xmx2g"},
            jvmArgsAppend = "-Dloomlet.biasedPrimitives=false")
    public static class Unbiased extends SyncBenchmark {
    }
}
