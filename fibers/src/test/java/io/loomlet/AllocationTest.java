package io.loomlet;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import jdk.internal.vm.Continuation;
import jdk.internal.vm.ContinuationScope;
import org.junit.jupiter.api.Test;

/**
 * Hot paths allocate nothing per operation beyond what the JDK's continuation itself allocates: a
 * switch, a wake and a timer are measured against a bare continuation run+yield in the same JVM.
 * Bytes are counted (ThreadMXBean), not time; the benchmarks in jmh/ measure speed.
 */
class AllocationTest extends HubTestBase {
    private static final Duration ONE_NANO = Duration.ofNanos(1);
    private static final int OPS = 200_000;
    private static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static long allocated() {
        return MX.getCurrentThreadAllocatedBytes();
    }

    /** Bytes per op of a bare continuation run + yield: the floor. */
    private static double bareContinuation() {
        ContinuationScope scope = new ContinuationScope("bare");
        Continuation c = new Continuation(scope, () -> {
            for (;;) {
                Continuation.yield(scope);
            }
        });
        for (int i = 0; i < OPS; i++) {
            c.run();
        }
        long before = allocated();
        for (int i = 0; i < OPS; i++) {
            c.run();
        }
        return (allocated() - before) / (double) OPS;
    }

    @Test
    void switchAllocatesNoMoreThanABareContinuation() {
        Fiber[] pp = new Fiber[2];
        pp[1] = new Fiber(v -> {
            for (;;) {
                Fiber.root().switchTo();
            }
        });
        for (int i = 0; i < OPS; i++) {
            pp[1].switchTo(); // warm up: JIT, stack chunks
        }
        long before = allocated();
        for (int i = 0; i < OPS; i++) {
            pp[1].switchTo();
        }
        double fiber = (allocated() - before) / (double) OPS;
        double bare = bareContinuation();
        assertTrue(fiber <= bare + 1.0, "bytes per switch " + fiber + " vs bare continuation " + bare);
    }

    @Test
    void wakeAndTimerAllocateNoMoreThanABareContinuation() {
        // sleep(0) is a wake through the ready queue; a 1 ns sleep arms and fires the fiber's timer
        Fiber yielder = new Fiber(null, v -> {
            for (;;) {
                Fibers.sleep(Duration.ZERO);
            }
        }, hub.sched.hubFiber);
        Fiber timed = new Fiber(null, v -> {
            for (;;) {
                Fibers.sleep(ONE_NANO);
            }
        }, hub.sched.hubFiber);
        hub.sched.enqueue(yielder);
        hub.sched.enqueue(timed);
        for (int i = 0; i < OPS; i++) {
            Fibers.sleep(Duration.ZERO); // the root yields too: each pass runs both fibers once
        }
        long before = allocated();
        for (int i = 0; i < OPS; i++) {
            Fibers.sleep(Duration.ZERO);
        }
        double perPass = (allocated() - before) / (double) OPS;
        double bare = bareContinuation();
        // each pass is three parks and wakes (root, yielder, timed), two of them continuation switches
        assertTrue(perPass <= 2 * bare + 1.0, "bytes per pass " + perPass + " vs bare continuation " + bare);
    }
}
