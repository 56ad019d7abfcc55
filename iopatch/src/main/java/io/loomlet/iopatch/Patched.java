package io.loomlet.iopatch;

import io.loomlet.FiberLocal;
import io.loomlet.Fibers;
import io.loomlet.Task;
import io.loomlet.iopatch.internal.FiberMonitors;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What patched call sites call instead of the JDK's methods. Public because rewritten classes of
 * any loader call it; not for direct use. Each method keeps the original's behaviour on a thread
 * without fibers, and its stack shape: the receiver becomes the first argument.
 */
public final class Patched {
    /** Threads started as fibers, and their tasks. Guarded by itself. */
    private static final Map<Thread, Task<Void>> THREADS = new WeakHashMap<>();
    private static final List<Task<Void>> NON_DAEMON = new ArrayList<>();

    private Patched() {
    }

    private static boolean cooperativeSleep() {
        return IoPatch.isPatched(IoPatch.Part.SLEEP) && Fibers.isCooperative();
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

    /** Thread.yield and Thread.onSpinWait: a cooperative yield (sleep(0)) on a fiber. */
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

    /** Thread.start: with the thread patch, run() in a fiber of this thread's hub. */
    public static void start(Thread t) {
        if (!IoPatch.isPatched(IoPatch.Part.THREAD)) {
            t.start();
            return;
        }
        synchronized (THREADS) {
            if (THREADS.containsKey(t)) {
                throw new IllegalThreadStateException(t.getName() + " was already started");
            }
            Task<Void> task = Fibers.spawn(t.getName(), () -> {
                try {
                    t.run();
                } catch (Throwable e) {
                    if (e instanceof io.loomlet.FiberExit exit) {
                        throw exit;
                    }
                    Thread.UncaughtExceptionHandler h = t.getUncaughtExceptionHandler();
                    h.uncaughtException(t, e);
                }
            });
            THREADS.put(t, task);
            if (!t.isDaemon()) {
                NON_DAEMON.add(task);
            }
        }
    }

    private static Task<Void> taskOf(Thread t) {
        synchronized (THREADS) {
            return THREADS.get(t);
        }
    }

    public static void join(Thread t) throws InterruptedException {
        Task<Void> task = taskOf(t);
        if (task == null) {
            t.join();
        } else {
            task.join();
        }
    }

    public static void join(Thread t, long millis) throws InterruptedException {
        Task<Void> task = taskOf(t);
        if (task == null) {
            t.join(millis);
        } else if (millis == 0) {
            task.join();
        } else {
            task.join(Duration.ofMillis(millis));
        }
    }

    public static boolean join(Thread t, Duration d) throws InterruptedException {
        Task<Void> task = taskOf(t);
        return task == null ? t.join(d) : task.join(d);
    }

    public static boolean isAlive(Thread t) {
        Task<Void> task = taskOf(t);
        return task == null ? t.isAlive() : !task.isReady();
    }

    // ------------------------------------------------------------------ shared state (thread patch)

    /** Fibers of one hub share a carrier: with the thread patch, locks and locals follow fibers. */
    private static boolean perFiber() {
        return IoPatch.isPatched(IoPatch.Part.THREAD) && Fibers.isCooperative();
    }

    /** Before a monitorenter (the object is still on the stack for it). */
    public static void monitorEnter(Object o) {
        if (perFiber()) {
            FiberMonitors.enter(o);
        }
    }

    /** After a monitorexit. */
    public static void monitorExit(Object o) {
        if (IoPatch.isPatched(IoPatch.Part.THREAD)) {
            FiberMonitors.exit(o);
        }
    }

    public static void lock(Lock l) {
        if (l instanceof ReentrantLock && perFiber()) {
            FiberMonitors.enter(l);
            try {
                l.lock();
            } catch (Throwable t) {
                FiberMonitors.exit(l);
                throw t;
            }
        } else {
            l.lock();
        }
    }

    public static void lockInterruptibly(Lock l) throws InterruptedException {
        if (l instanceof ReentrantLock && perFiber()) {
            lock(l);
        } else {
            l.lockInterruptibly();
        }
    }

    public static boolean tryLock(Lock l) {
        if (l instanceof ReentrantLock && perFiber()) {
            if (!FiberMonitors.tryEnter(l)) {
                return false;
            }
            if (l.tryLock()) {
                return true;
            }
            FiberMonitors.exit(l);
            return false;
        }
        return l.tryLock();
    }

    public static void unlock(Lock l) {
        l.unlock();
        if (l instanceof ReentrantLock && IoPatch.isPatched(IoPatch.Part.THREAD)) {
            FiberMonitors.exit(l);
        }
    }

    /** Each fiber's ThreadLocal values (the root keeps the thread's own). */
    private static final FiberLocal<IdentityHashMap<ThreadLocal<?>, Object>> LOCALS =
            FiberLocal.withInitial(IdentityHashMap::new);
    private static final Object NULL = new Object();
    private static volatile MethodHandle initialValue;

    private static boolean fiberLocals() {
        if (!IoPatch.isPatched(IoPatch.Part.THREAD)) {
            return false;
        }
        return Fibers.inFiber(); // never creates a hub on a plain thread
    }

    public static Object threadLocalGet(ThreadLocal<?> tl) throws Throwable {
        if (!fiberLocals()) {
            return tl.get();
        }
        IdentityHashMap<ThreadLocal<?>, Object> m = LOCALS.get();
        Object v = m.get(tl);
        if (v == null) {
            v = initialValue().invoke(tl);
            m.put(tl, v == null ? NULL : v);
            return v;
        }
        return v == NULL ? null : v;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static void threadLocalSet(ThreadLocal tl, Object value) {
        if (!fiberLocals()) {
            tl.set(value);
            return;
        }
        LOCALS.get().put(tl, value == null ? NULL : value);
    }

    public static void threadLocalRemove(ThreadLocal<?> tl) {
        if (!fiberLocals()) {
            tl.remove();
            return;
        }
        LOCALS.get().remove(tl);
    }

    /** ThreadLocal.initialValue is protected: the agent opens java.lang to Loomlet for it. */
    private static MethodHandle initialValue() throws ReflectiveOperationException {
        MethodHandle mh = initialValue;
        if (mh == null) {
            mh = MethodHandles.privateLookupIn(ThreadLocal.class, MethodHandles.lookup())
                    .findVirtual(ThreadLocal.class, "initialValue", MethodType.methodType(Object.class));
            initialValue = mh;
        }
        return mh;
    }

    /**
     * Before main returns: as the JVM waits for non-daemon threads, wait for the non-daemon threads
     * that run as fibers (this thread's hub runs them meanwhile).
     */
    public static void mainReturning() {
        for (;;) {
            List<Task<Void>> left;
            synchronized (THREADS) {
                NON_DAEMON.removeIf(Task::isReady);
                left = new ArrayList<>(NON_DAEMON);
            }
            if (left.isEmpty()) {
                return;
            }
            Fibers.joinAll(left);
        }
    }
}
