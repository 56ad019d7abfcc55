package io.loomlet;

import jdk.internal.vm.Continuation;
import jdk.internal.vm.ContinuationScope;

/**
 * Run in a forked JVM by {@link NestedContinuationMonitorTest}, on bare continuations (no Loomlet
 * code): {@code outer} takes a monitor, runs {@code inner} nested on its own stack, and parks
 * holding the monitor; {@code inner}, resumed later from the thread's own stack, enters the same
 * monitor. Prints "entered" if it got in while {@code outer} held it; if it blocks instead, as
 * mutual exclusion requires, a timer prints "blocked" and ends the JVM.
 */
public final class NestedContinuationMonitorMain {
    private static final ContinuationScope SCOPE = new ContinuationScope("probe");
    private static final Object MONITOR = new Object();

    public static void main(String[] args) {
        Thread timer = new Thread(() -> {
            try {
                Thread.sleep(5_000);
            } catch (InterruptedException e) {
                return;
            }
            System.out.println("blocked: inner waited for the monitor outer holds");
            System.out.flush();
            Runtime.getRuntime().halt(0);
        });
        timer.setDaemon(true);
        timer.start();
        Continuation inner = new Continuation(SCOPE, () -> {
            Continuation.yield(SCOPE);
            synchronized (MONITOR) {
                System.out.println("entered: inner took the monitor outer holds");
            }
        });
        Continuation outer = new Continuation(SCOPE, () -> {
            synchronized (MONITOR) {
                inner.run(); // nested: inner starts on outer's stack and parks there
                Continuation.yield(SCOPE); // outer parks holding the monitor
            }
        });
        outer.run();
        inner.run(); // resumed from the thread's own stack, as a loop would
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
