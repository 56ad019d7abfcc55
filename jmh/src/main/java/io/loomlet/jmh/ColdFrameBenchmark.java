package io.loomlet.jmh;

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
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What an interpreted frame low in a continuation's stack costs each yield and resume (#10): the
 * frame a connection's fiber or virtual thread keeps from the path it started on, when that path was
 * not yet compiled (the server had just started). A bare continuation, as in
 * {@link SwitchBenchmark#bareContinuation}, whose body is one frame under a compiled loop that yields:
 * <ul>
 *   <li>{@code compiledBelow}: that frame compiled by C2 before the continuation starts (the setup
 *       runs it in {@value #WARM} short continuations first, then waits for the compiler), as in a
 *       server that has run a while;</li>
 *   <li>{@code interpretedBelow}: the same code, with that one method kept interpreted for the
 *       whole fork ({@code -XX:CompileCommand=exclude}), as a connection accepted cold keeps it.</li>
 * </ul>
 * The loop above it is a method of its own, compiled in both and never inlined into the frame below
 * ({@code dontinline}), so the stacks differ only in how that frame was made; it is never returned
 * into while measured. Check with {@code -jvmArgsAppend -XX:+PrintCompilation} that
 * {@code compiledEntry} reached level 4 during the setup.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {Jvm.EXPORTS, Jvm.UNSAFE_ALLOW, "-Xmx2g", "-XX:CompileCommand=quiet",
    "-XX:CompileCommand=dontinline,io.loomlet.jmh.ColdFrameBenchmark::yieldLoop"})
public class ColdFrameBenchmark {
    static final int N = 10_000;
    static final int WARM = 30_000;
    private static final ContinuationScope SCOPE = new ContinuationScope("cold-frame");
    private Continuation compiled;
    private Continuation interpreted;

    @Setup
    public void setup() throws InterruptedException {
        for (int i = 0; i < WARM; i++) { // each: enter, yield once, resume, return
            Continuation c = new Continuation(SCOPE, () -> compiledEntry(1));
            c.run();
            c.run();
            Continuation d = new Continuation(SCOPE, () -> interpretedEntry(1));
            d.run();
            d.run();
        }
        Thread.sleep(2000); // the compile queue drains
        compiled = new Continuation(SCOPE, () -> compiledEntry(-1));
        interpreted = new Continuation(SCOPE, () -> interpretedEntry(-1));
    }

    // Two methods with the same body, so that one can be excluded from compilation alone. A count of
    // -1 never ends.

    static void compiledEntry(int yields) {
        yieldLoop(yields);
    }

    static void interpretedEntry(int yields) {
        yieldLoop(yields);
    }

    static void yieldLoop(int yields) {
        for (int i = 0; i != yields; i++) {
            Continuation.yield(SCOPE);
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void compiledBelow() {
        for (int i = 0; i < N; i++) {
            compiled.run();
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    @Fork(jvmArgsAppend = "-XX:CompileCommand=exclude,io.loomlet.jmh.ColdFrameBenchmark::interpretedEntry")
    public void interpretedBelow() {
        for (int i = 0; i < N; i++) {
            interpreted.run();
        }
    }
}
