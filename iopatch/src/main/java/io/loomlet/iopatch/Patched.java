package io.loomlet.iopatch;

import io.loomlet.Fibers;
import io.loomlet.Hub;
import io.loomlet.iopatch.internal.HubThreads;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What patched call sites call instead of the JDK's methods (see {@code internal.Rewriter}). Public
 * because rewritten classes of any loader call it; not for direct use. Each method checks whether
 * its part is patched and otherwise does exactly what the original call did; it keeps the original's
 * stack shape: a receiver becomes the first argument.
 */
public final class Patched {
    private static final AtomicBoolean MAIN_ENTERED = new AtomicBoolean();

    private Patched() {
    }

    private static boolean threads() {
        return IoPatch.isPatched(IoPatch.Part.THREAD);
    }

    // ------------------------------------------------------------------------------ sleep

    /**
     * A raw fiber sleeps on its hub. A virtual thread keeps the JDK's own sleep: it parks only that
     * thread (and stays interruptible, as a sleep must).
     */
    private static boolean cooperativeSleep() {
        return IoPatch.isPatched(IoPatch.Part.SLEEP) && !Thread.currentThread().isVirtual() && Fibers.isCooperative();
    }

    public static void sleep(long millis) throws InterruptedException {
        if (millis < 0) {
            throw new IllegalArgumentException("timeout value is negative");
        }
        if (cooperativeSleep()) {
            Fibers.sleep(Duration.ofMillis(millis));
        } else {
            Thread.sleep(millis);
        }
    }

    public static void sleep(long millis, int nanos) throws InterruptedException {
        if (millis < 0 || nanos < 0 || nanos > 999_999) {
            throw new IllegalArgumentException("invalid sleep: " + millis + " ms " + nanos + " ns");
        }
        if (cooperativeSleep()) {
            Fibers.sleep(Duration.ofMillis(millis).plusNanos(nanos));
        } else {
            Thread.sleep(millis, nanos);
        }
    }

    public static void sleep(Duration d) throws InterruptedException {
        if (cooperativeSleep()) {
            Fibers.sleep(d.isNegative() ? Duration.ZERO : d);
        } else {
            Thread.sleep(d);
        }
    }

    /** TimeUnit.sleep: the receiver comes first. */
    public static void sleep(TimeUnit unit, long amount) throws InterruptedException {
        if (cooperativeSleep()) {
            Fibers.sleep(Duration.ofNanos(unit.toNanos(Math.max(0, amount))));
        } else {
            unit.sleep(amount);
        }
    }

    /** Thread.yield: a cooperative yield (sleep(0)) in a raw fiber. */
    public static void yieldNow() {
        if (cooperativeSleep()) {
            Fibers.sleep(Duration.ZERO);
        } else {
            Thread.yield();
        }
    }

    public static void onSpinWait() {
        if (cooperativeSleep()) {
            Fibers.sleep(Duration.ZERO);
        } else {
            Thread.onSpinWait();
        }
    }

    // ------------------------------------------------------------------------------ making threads

    private static Thread patch(Thread shape, Runnable task, boolean inheritLocals) {
        return threads() ? HubThreads.virtualLike(shape, task, inheritLocals) : shape;
    }

    public static Thread newThread() {
        return patch(new Thread(), null, true);
    }

    public static Thread newThread(Runnable task) {
        return patch(new Thread(task), task, true);
    }

    public static Thread newThread(ThreadGroup g, Runnable task) {
        return patch(new Thread(g, task), task, true);
    }

    public static Thread newThread(String name) {
        return patch(new Thread(name), null, true);
    }

    public static Thread newThread(ThreadGroup g, String name) {
        return patch(new Thread(g, name), null, true);
    }

    public static Thread newThread(Runnable task, String name) {
        return patch(new Thread(task, name), task, true);
    }

    public static Thread newThread(ThreadGroup g, Runnable task, String name) {
        return patch(new Thread(g, task, name), task, true);
    }

    public static Thread newThread(ThreadGroup g, Runnable task, String name, long stackSize) {
        return patch(new Thread(g, task, name, stackSize), task, true);
    }

    public static Thread newThread(ThreadGroup g, Runnable task, String name, long stackSize, boolean inherit) {
        return patch(new Thread(g, task, name, stackSize, inherit), task, inherit);
    }

    /** Thread.ofVirtual(): virtual threads of a hub rather than of the JDK's ForkJoinPool. */
    public static Thread.Builder.OfVirtual ofVirtual() {
        return threads() ? HubThreads.hubForNewThread().virtualThreadBuilder() : Thread.ofVirtual();
    }

    public static Thread startVirtualThread(Runnable task) {
        return threads() ? ofVirtual().start(task) : Thread.startVirtualThread(task);
    }

    public static Thread builderUnstarted(Thread.Builder b, Runnable task) {
        Thread t = b.unstarted(task);
        return threads() && !t.isVirtual() ? HubThreads.virtualLike(t, task, true) : t;
    }

    public static Thread builderStart(Thread.Builder b, Runnable task) {
        if (!threads() || b instanceof Thread.Builder.OfVirtual) {
            return b.start(task);
        }
        Thread t = builderUnstarted(b, task);
        start(t);
        return t;
    }

    public static ThreadFactory builderFactory(Thread.Builder b) {
        ThreadFactory f = b.factory();
        return threads() && !(b instanceof Thread.Builder.OfVirtual) ? HubThreads.factoryLike(f) : f;
    }

    /** The factory given to pool constructors that had none: the default one, patched. */
    public static ThreadFactory threadFactory() {
        return defaultThreadFactory();
    }

    public static ThreadFactory defaultThreadFactory() {
        ThreadFactory d = Executors.defaultThreadFactory();
        return threads() ? HubThreads.factoryLike(d) : d;
    }

    public static ExecutorService newFixedThreadPool(int n) {
        return Executors.newFixedThreadPool(n, threadFactory());
    }

    public static ExecutorService newCachedThreadPool() {
        return Executors.newCachedThreadPool(threadFactory());
    }

    public static ExecutorService newSingleThreadExecutor() {
        return Executors.newSingleThreadExecutor(threadFactory());
    }

    public static ScheduledExecutorService newScheduledThreadPool(int n) {
        return Executors.newScheduledThreadPool(n, threadFactory());
    }

    public static ScheduledExecutorService newSingleThreadScheduledExecutor() {
        return Executors.newSingleThreadScheduledExecutor(threadFactory());
    }

    public static ExecutorService newVirtualThreadPerTaskExecutor() {
        return threads() ? Executors.newThreadPerTaskExecutor(ofVirtual().factory())
                : Executors.newVirtualThreadPerTaskExecutor();
    }

    // ------------------------------------------------------------------------------ Thread methods

    /** Thread.start: a patched thread counts as a non-daemon thread if it is one; a subclass gets a stand-in. */
    public static void start(Thread t) {
        if (!threads()) {
            t.start();
        } else if (t.isVirtual()) {
            HubThreads.willStart(t);
            t.start();
        } else {
            HubThreads.startStandIn(t);
        }
    }

    public static Thread currentThread() {
        return HubThreads.currentThread();
    }

    public static void join(Thread t) throws InterruptedException {
        HubThreads.live(t).join();
    }

    public static void join(Thread t, long millis) throws InterruptedException {
        HubThreads.live(t).join(millis);
    }

    public static void join(Thread t, long millis, int nanos) throws InterruptedException {
        HubThreads.live(t).join(millis, nanos);
    }

    public static boolean join(Thread t, Duration d) throws InterruptedException {
        return HubThreads.live(t).join(d);
    }

    public static boolean isAlive(Thread t) {
        return HubThreads.live(t).isAlive();
    }

    public static void interrupt(Thread t) {
        Thread live = HubThreads.live(t);
        live.interrupt();
        if (live != t) {
            t.interrupt(); // the object's own flag too, for code that reads it through the JDK
        }
    }

    public static boolean isInterrupted(Thread t) {
        return HubThreads.live(t).isInterrupted();
    }

    public static Thread.State getState(Thread t) {
        return HubThreads.live(t).getState();
    }

    public static boolean isDaemon(Thread t) {
        return HubThreads.isDaemon(t);
    }

    public static void setDaemon(Thread t, boolean on) {
        HubThreads.setDaemon(t, on);
    }

    // ------------------------------------------------------------------------------ main

    /**
     * Called first in the main class's main. Under the thread patch, the first call (the JVM's, on
     * the main thread) runs main again as a virtual thread of the main thread's hub, waits for it and
     * for the program's non-daemon patched threads, and returns true: the original main then returns
     * at once. Every other call returns false and main runs as written.
     */
    public static boolean mainEntry(String[] args, Class<?> mainClass) throws Throwable {
        if (!threads() || Thread.currentThread().isVirtual() || Hub.currentIfRunning() != null
                || !MAIN_ENTERED.compareAndSet(false, true)) {
            return false;
        }
        Method m = mainClass.getDeclaredMethod("main", String[].class);
        m.setAccessible(true);
        HubThreads.runMain(() -> {
            try {
                m.invoke(null, (Object) args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
        return true;
    }

    /** The launcher's main: the program's main as a virtual thread when threads are patched. */
    static void runMain(HubThreads.MainBody body) throws Throwable {
        if (threads() && MAIN_ENTERED.compareAndSet(false, true)) {
            HubThreads.runMain(body);
        } else {
            body.run();
        }
    }
}
