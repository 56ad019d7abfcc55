package io.loomlet;

import io.loomlet.internal.Errors;
import io.loomlet.internal.VirtualThreads;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * A hub as the scheduler of JDK virtual threads ({@link Hub#virtualThreadBuilder()}): the
 * {@link Executor} the JDK calls, how a virtual thread finds its hub, and the fiber that stands for
 * it in the kernel ({@link VirtualFiber}). The scheduler's side is one more kind of ready entry: the
 * thread's continuation task, run by {@link #run}.
 */
final class VirtualThreadScheduler implements Executor {
    /** Hubs that schedule virtual threads, by their thread: how a virtual thread finds its carrier's hub. */
    private static final Map<Thread, Hub> BY_CARRIER = new ConcurrentHashMap<>();
    /** Each hub virtual thread's fiber: what Loomlet's primitives park and wake when called in it. */
    private static final ThreadLocal<Fiber> FIBER = new ThreadLocal<>();

    private final Hub hub;

    VirtualThreadScheduler(Hub hub) {
        this.hub = hub;
    }

    /** A new builder; the first one registers the hub as a carrier of virtual threads. */
    Thread.Builder.OfVirtual newBuilder() {
        Thread.Builder.OfVirtual b = VirtualThreads.builder(this);
        if (!hub.schedulesVirtualThreads) {
            hub.schedulesVirtualThreads = true;
            BY_CARRIER.put(hub.thread, hub);
        }
        return b;
    }

    static void unregister(Hub h) {
        BY_CARRIER.remove(h.thread, h);
    }

    /** In a virtual thread that a hub schedules: that hub (the thread's for life); else null. */
    static Hub carrierHub() {
        if (!Thread.currentThread().isVirtual() || BY_CARRIER.isEmpty()) {
            return null;
        }
        Hub h = BY_CARRIER.get(VirtualThreads.carrier());
        return h == null || h.isClosed() ? null : h;
    }

    /** The current virtual thread's fiber, made on first use; it becomes the scheduler's current. */
    static Fiber fiberOf(Scheduler sched) {
        Fiber f = FIBER.get();
        if (f == null) {
            f = new VirtualFiber(sched, Thread.currentThread());
            FIBER.set(f);
        }
        sched.current = f;
        return f;
    }

    /**
     * Runs one of the hub's virtual threads (the JDK's {@code runContinuation} task, opaque) on the
     * hub's thread until it parks, yields or ends: the scheduler's loop calls it for such a ready
     * entry. Meanwhile {@code sched.current} is null: Loomlet code in the thread finds the thread's
     * own fiber through {@link Scheduler#current()}.
     */
    static void run(Scheduler sched, Runnable cont) {
        sched.current = null;
        sched.runningVirtual = cont;
        sched.countSwitch();
        try {
            cont.run();
        } catch (Throwable t) {
            // the JDK's mount/unmount code failed (a stack overflow at the call): the thread was not
            // run; the JDK submits it again when it can run
            try {
                sched.hub.reportError("running a virtual thread", t);
            } catch (Throwable again) {
                Errors.lastResort();
            }
        } finally {
            sched.current = sched.hubFiber;
            sched.runningVirtual = null;
        }
    }

    /**
     * The JDK's scheduler call: {@code cont} runs one of this hub's virtual threads. From any thread;
     * never blocks and never throws (the JDK calls it from {@code Thread.start}, from any waker's
     * {@code unpark}, and from its own timer and monitor threads). On the hub's thread — also from
     * one of its virtual threads — it joins the ready queue directly; from elsewhere it comes through
     * the inbox. A closed hub hands it to the thread of last resort, so no virtual thread is stranded.
     */
    @Override
    public void execute(Runnable cont) {
        Thread t = Thread.currentThread();
        if ((t == hub.thread || (t.isVirtual() && VirtualThreads.carrier() == hub.thread)) && !hub.isClosed()) {
            hub.sched.enqueueVirtual(cont);
        } else if (!hub.sendFromAnyThread(new Wake(hub.sched, cont))) {
            LastResortCarrier.execute(cont);
        }
    }

    /** A virtual thread woken from another thread: it joins the ready queue on the hub's thread. */
    private record Wake(Scheduler sched, Runnable cont) implements Runnable, Inbox.OnClose {
        @Override
        public void run() {
            sched.enqueueVirtual(cont);
        }

        @Override
        public void hubClosed() {
            LastResortCarrier.execute(cont);
        }
    }
}
