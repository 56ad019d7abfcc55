package io.loomlet.jmh;

import io.loomlet.sync.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
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
 * What the first use of a biased primitive from a second thread costs (#9): a batch of semaphores,
 * each biased to a live helper thread (which used it once), then taken by the benchmark thread, so
 * each take revokes a bias (a membarrier and the handshake). The baseline in the same run: the same
 * take on semaphores already shared (one compare-and-set each). Revocation happens once per
 * primitive: this is the price of a primitive that moves from one hub to several.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {Jvm.EXPORTS, Jvm.NATIVE, Jvm.UNSAFE_ALLOW, "-Xmx2g"})
public class BiasRevocationBenchmark {
    static final int BATCH = 1_000;

    private final SynchronousQueue<Semaphore[]> toHelper = new SynchronousQueue<>();
    private final SynchronousQueue<Semaphore[]> fromHelper = new SynchronousQueue<>();
    private Thread helper;
    private Semaphore[] biased;
    private Semaphore[] shared;

    @Setup(Level.Trial)
    public void startHelper() {
        helper = Thread.ofPlatform().daemon().name("bias-owner").start(() -> {
            try {
                for (;;) {
                    Semaphore[] batch = toHelper.take();
                    for (Semaphore s : batch) {
                        s.release(); // binds the bias to this thread
                    }
                    fromHelper.put(batch);
                }
            } catch (InterruptedException e) {
                // trial over
            }
        });
    }

    @Setup(Level.Invocation)
    public void makeBatches() throws InterruptedException {
        Semaphore[] b = new Semaphore[BATCH];
        Semaphore[] s = new Semaphore[BATCH];
        for (int i = 0; i < BATCH; i++) {
            b[i] = new Semaphore(0);
            s[i] = new Semaphore(1);
            s[i].release(); // biased to this thread, then revoked by the helper below
        }
        toHelper.put(s);
        fromHelper.take();
        // the helper's releases revoked this thread's biases on s (each now shared, 2 permits)
        toHelper.put(b);
        biased = fromHelper.take();
        shared = s;
    }

    /** Each take revokes the helper's bias: membarrier, then the owner is outside its window. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int revokeFromAnotherThread() {
        int n = 0;
        for (Semaphore s : biased) {
            n += s.tryAcquire() ? 1 : 0;
        }
        return n;
    }

    /** The baseline: the same take on semaphores already shared. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int takeShared() {
        int n = 0;
        for (Semaphore s : shared) {
            n += s.tryAcquire() ? 1 : 0;
        }
        return n;
    }

    @TearDown(Level.Trial)
    public void stopHelper() {
        helper.interrupt();
    }
}
