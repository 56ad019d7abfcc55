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
 *   <li>{@code compiledBelow}: that frame compiled, as in a server that has run a while;</li>
 *   <li>{@code interpretedBelow}: the same code, with that one method kept interpreted for the
 *       whole fork ({@code -XX:CompileCommand=exclude}), as a connection accepted cold keeps it.</li>
 * </ul>
 * The loop above it is compiled in both (on-stack replacement), and the frame is never returned
 * into while measured; only its presence in the stack differs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {Jvm.EXPORTS, Jvm.UNSAFE_ALLOW, "-Xmx2g"})
public class ColdFrameBenchmark {
    static final int N = 10_000;
    private static final ContinuationScope SCOPE = new ContinuationScope("cold-frame");
    private Continuation compiled;
    private Continuation interpreted;

    @Setup
    public void setup() {
        compiled = new Continuation(SCOPE, ColdFrameBenchmark::compiledEntry);
        interpreted = new Continuation(SCOPE, ColdFrameBenchmark::interpretedEntry);
    }

    // Two methods with the same body, so that one can be excluded from compilation alone.

    static void compiledEntry() {
        yieldForever(0);
    }

    static void interpretedEntry() {
        yieldForever(0);
    }

    static int yieldForever(int x) {
        for (;;) {
            Continuation.yield(SCOPE);
            x++;
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
    @Fork(jvmArgsAppend = {"-XX:CompileCommand=quiet", "-XX:CompileCommand=exclude,io.loomlet.jmh.ColdFrameBenchmark::interpretedEntry"})
    public void interpretedBelow() {
        for (int i = 0; i < N; i++) {
            interpreted.run();
        }
    }
}
