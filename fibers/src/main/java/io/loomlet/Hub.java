package io.loomlet;

import io.loomlet.internal.Deadlines;
import io.loomlet.internal.Errors;
import io.loomlet.internal.VirtualThreads;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.function.BiConsumer;

/**
 * The event loop of one thread: it schedules that thread's fibers (gevent's hub, asyncio's loop).
 * Created lazily by {@link #current()}; run by the thread's root fiber.
 *
 * <p>This class is the loop's API and lifecycle. The machinery sits beside it, one job per class:
 * the trampoline and the loop's phases ({@code Scheduler}), the Selector ({@code Reactor}), what
 * other threads send ({@code Inbox}), the live fibers ({@code FiberList}); a fiber's own state
 * machine is in {@link Fiber}, and the one way to block is {@link Park}.
 *
 * <h2>Blocking</h2>
 * Every blocking operation in Loomlet parks through {@link Park}. A blocking call made from the
 * root (outside any fiber) runs this loop until the call can return, so the same code works inside
 * and outside fibers. When nothing could ever wake such a call, it fails with {@link LoopExit}
 * instead of hanging.
 *
 * <h2>Confinement</h2>
 * A hub is driven only by its own thread. The methods that other threads may call say so
 * ({@link #callSoonThreadsafe}, {@link #stop}, and the queries {@link #isClosed()},
 * {@link #isRunning()}, {@link #switchCount()}, {@link #thread()}); everything else throws
 * {@link IllegalStateException} when called from another thread.
 */
public final class Hub implements AutoCloseable {
    private static final ThreadLocal<Hub> CURRENT = new ThreadLocal<>();
    /** Every open hub, for the watchdog and {@link Fibers#dump()}; weak so a dead thread's hub goes away. */
    private static final Map<Hub, Boolean> ALL = Collections.synchronizedMap(new WeakHashMap<>());
    private static volatile BiConsumer<String, Throwable> defaultErrorHandler = Errors::printToStderr;

    final Thread thread;
    final Scheduler sched;
    final FiberList fibers = new FiberList();
    final Inbox inbox;
    private final Reactor reactor;

    private volatile boolean closed;
    private volatile boolean inRun;
    private boolean stopRequested;
    private volatile BiConsumer<String, Throwable> errorHandler;
    /** Set once this hub has made a virtual-thread builder: the JDK may wake its threads from its own. */
    volatile boolean schedulesVirtualThreads;
    /** The scheduler the JDK calls for this hub's virtual threads. */
    private final VirtualThreadScheduler virtualScheduler = new VirtualThreadScheduler(this);

    private Hub(Thread thread) {
        Events.registerPeriodic();
        this.thread = thread;
        this.reactor = new Reactor(this);
        this.inbox = new Inbox(thread, reactor);
        this.sched = new Scheduler(this, inbox, reactor);
    }

    /**
     * This thread's hub, created on first use (again after the previous one was closed). In a
     * virtual thread that a hub schedules: that hub.
     */
    public static Hub current() {
        Hub h = CURRENT.get();
        return h != null ? h : firstUse();
    }

    private static Hub firstUse() {
        Hub h = VirtualThreadScheduler.carrierHub();
        if (h == null) {
            h = new Hub(Thread.currentThread());
            ALL.put(h, Boolean.TRUE);
        }
        CURRENT.set(h);
        return h;
    }

    /** This thread's hub if it has one (never creates). */
    static Hub currentIfAny() {
        Hub h = CURRENT.get();
        if (h == null && (h = VirtualThreadScheduler.carrierHub()) != null) {
            CURRENT.set(h);
        }
        return h;
    }

    /**
     * The hub that runs the caller now, or null: the caller is one of its fibers, one of its virtual
     * threads, or its root inside a blocking call. A hub that exists but does not run (its thread does
     * something else) does not count. Never creates a hub. For code that must hand work to a hub that
     * will run it, such as the monkey patch choosing where a new thread goes.
     */
    public static Hub currentIfRunning() {
        Hub h = currentIfAny();
        return h != null && !h.closed && h.isRunning() ? h : null;
    }

    /**
     * A new builder of virtual threads that this hub schedules: every thread it makes runs on this
     * hub's thread, interleaved with the hub's fibers and its other virtual threads, whenever the
     * hub's loop runs (a blocking call from the root, {@link #run()}, or any fiber). They are real
     * threads in every other way: {@code Thread.currentThread()}, interrupt, thread locals,
     * {@code synchronized}, {@code wait}/{@code notify} and {@code java.util.concurrent} behave as
     * in any virtual thread; a virtual thread they start (even with {@code Thread.ofVirtual()}) is
     * scheduled here too. Loomlet's primitives (events, queues, locks, {@code Task.join},
     * {@link Fibers#sleep}) work in them and wake them; they cannot {@link Fiber#switchTo} fibers.
     *
     * <p>A virtual thread that blocks under a native frame (a class initialiser, JNI) holds the
     * hub's thread until it is done, as it would hold a carrier. If the hub closes while some of its
     * virtual threads still live, they go on running on a Loomlet thread of last resort, so none is
     * lost. From any thread; builders are not thread-safe (one per thread that makes threads).
     *
     * @throws UnsupportedOperationException when {@code java.lang} is not open to Loomlet (the agent
     *     opens it; otherwise {@code --add-opens java.base/java.lang=ALL-UNNAMED})
     * @throws IllegalStateException if the hub is closed
     */
    public Thread.Builder.OfVirtual virtualThreadBuilder() {
        checkOpen();
        return virtualScheduler.newBuilder();
    }

    static List<Hub> all() {
        synchronized (ALL) {
            return new ArrayList<>(ALL.keySet());
        }
    }

    /** The thread that runs this hub. From any thread. */
    public Thread thread() {
        return thread;
    }

    /** This hub's root fiber. */
    public Fiber root() {
        return sched.root;
    }

    Reactor reactor() {
        return reactor;
    }

    // ---------------------------------------------------------------------------------------------
    // asyncio's loop API

    /** Runs {@code callback} in the next pass of the loop, in the hub fiber (it must not block). */
    public Handle callSoon(Runnable callback) {
        checkOwner("callSoon");
        checkOpen();
        Handle h = new Handle(this, Objects.requireNonNull(callback, "callback"), false);
        sched.enqueue(h);
        return h;
    }

    /**
     * Runs {@code callback} after {@code delay} ({@link Duration#ZERO}: in the next pass; negative:
     * refused; longer than about 146 years: never).
     */
    public Handle callLater(Duration delay, Runnable callback) {
        return callAtNanos(Deadlines.of(Objects.requireNonNull(delay, "delay"), "callLater"), callback);
    }

    /**
     * Runs {@code callback} at {@code when}, in {@link #time()} seconds (a time already past: in the
     * next pass; further than about 146 years, or infinite: never).
     *
     * @throws IllegalArgumentException if {@code when} is NaN
     */
    public Handle callAt(double when, Runnable callback) {
        if (Double.isNaN(when)) {
            throw new IllegalArgumentException("callAt: when is NaN");
        }
        double in = (when - time()) * 1e9;
        return callAtNanos(in >= 0x1p62 ? Deadlines.NONE : Deadlines.afterNanos((long) in), callback);
    }

    private Handle callAtNanos(long deadline, Runnable callback) {
        checkOwner("callLater/callAt");
        checkOpen();
        Handle h = new Handle(this, Objects.requireNonNull(callback, "callback"), true);
        if (deadline == Deadlines.NONE) {
            h.neverDue();
        } else {
            h.arm(deadline);
        }
        return h;
    }

    /**
     * Runs {@code callback} in this hub's next pass; callable from any thread, waking the hub if it
     * sleeps.
     *
     * @throws IllegalStateException if the hub is closed
     */
    public void callSoonThreadsafe(Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        if (!sendFromAnyThread(() -> sched.enqueue(new Handle(this, callback, false)))) {
            throw closedError();
        }
    }

    /** The loop's clock, in seconds: monotonic ({@link System#nanoTime()}), for {@link #callAt}. */
    public double time() {
        return System.nanoTime() / 1e9;
    }

    /**
     * Runs the loop until {@link #stop()}. Call it from the root, outside any fiber.
     *
     * @throws IllegalStateException if already running, called from a fiber, or closed
     */
    public void run() {
        checkOwner("run the hub");
        checkOpen();
        if (inRun || sched.current != sched.root) {
            throw new IllegalStateException("Hub.run() is already running or was called from a fiber ("
                    + sched.current + "); inside a fiber, block instead (sleep, join, get)");
        }
        inRun = true;
        try {
            if (stopRequested) {
                sched.root.yieldNow(); // asyncio: stop() before run() runs one pass and returns
            } else {
                // stop() may come from any thread, so this wait is never hopeless
                sched.root.park(Blocker.RUN, Park.NO_DEADLINE, Park.Wake.OTHER_THREAD, null);
            }
        } finally {
            inRun = false;
            stopRequested = false;
        }
    }

    /** Makes {@link #run()} return once the callbacks already scheduled have run. From any thread. */
    public void stop() {
        if (!isCurrentThread()) {
            sendFromAnyThread(this::stop);
            return;
        }
        stopRequested = true;
        if (inRun && sched.root.blocker() == Blocker.RUN) {
            sched.root.unpark(null);
        }
    }

    /**
     * True while the loop runs: inside {@link #run()}, a blocking call from the root, or any fiber.
     * From any thread (then a snapshot).
     */
    public boolean isRunning() {
        return inRun || sched.isLooping();
    }

    /** From any thread. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Closes the hub, completing everything it holds: the fibers left are killed (with
     * {@link FiberExit}, so their {@code finally} blocks run), tasks that were spawned later or sent
     * from another thread and have not started end as killed (their joiners wake), pending
     * callbacks are dropped, the root's and the callbacks' {@link FiberLocal} values go, and the hub
     * refuses work from then on. A later {@link #current()} on this thread makes a new hub. Call it
     * from the root, when the loop is not running.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        checkOwner("close the hub");
        if (sched.current != sched.root || sched.isLooping()) {
            throw new IllegalStateException("Hub.close() called from inside the running loop (" + sched.current
                    + "); call it from the root once run() has returned");
        }
        // From here other threads are refused, so what is left below is all there is.
        List<Runnable> unsent = inbox.close();
        killRemaining();
        for (Runnable r : unsent) {
            if (r instanceof Inbox.OnClose c) {
                try {
                    c.hubClosed();
                } catch (Throwable e) {
                    reportError("finishing", r, e);
                }
            }
        }
        closed = true;
        for (TimerNode n : sched.clear()) {
            try {
                n.hubClosed();
            } catch (Throwable e) {
                reportError("finishing timer", n, e);
            }
        }
        try {
            reactor.shutdown(); // deregisters every channel; the channels stay their owners' to close
        } catch (IOException e) {
            reportError("closing the selector of " + this, e);
        }
        sched.root.dropLocals(); // the root and the callback fiber never die: their FiberLocal values go now
        sched.hubFiber.dropLocals();
        if (CURRENT.get() == this) {
            CURRENT.remove();
        }
        ALL.remove(this);
        VirtualThreadScheduler.unregister(this);
    }

    private void killRemaining() {
        for (int round = 0; round < 3 && fibers.size() > 0; round++) {
            for (Fiber f : fibers.snapshot()) {
                f.kill(new FiberExit("hub closed"));
            }
            // Let them run their finally blocks; bounded so a fiber that ignores FiberExit cannot hang close.
            for (int pass = 0; pass < 1000 && fibers.size() > 0 && sched.hasReadyWork(); pass++) {
                sched.root.yieldNow();
            }
        }
        for (Fiber f : fibers.snapshot()) {
            Errors.warn("hub of " + thread.getName() + " closed, but " + f
                    + " would not exit (it caught FiberExit three times); it is abandoned");
            fibers.remove(f);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Errors nobody else will see

    /** Sets the handler for errors nobody else will see (failed unjoined tasks, failing callbacks). */
    public void setErrorHandler(BiConsumer<String, Throwable> handler) {
        this.errorHandler = handler;
    }

    /** Sets the handler new and existing hubs use when none was set on them; default prints to stderr. */
    public static void setDefaultErrorHandler(BiConsumer<String, Throwable> handler) {
        defaultErrorHandler = Objects.requireNonNull(handler, "handler");
    }

    /** Reports {@code error}; never throws, whatever the handler or the error does. */
    void reportError(String what, Throwable error) {
        BiConsumer<String, Throwable> h = errorHandler;
        if (h == null) {
            h = defaultErrorHandler;
        }
        try {
            h.accept(what, error);
        } catch (Throwable failed) {
            try {
                Errors.printToStderr("error handler failed while reporting: " + what, failed);
            } catch (Throwable again) {
                Errors.lastResort();
            }
        }
    }

    /**
     * Reports that {@code subject} (a user object: its {@code toString()} may throw) failed; the
     * message is built here, guarded, so a failure while building it still reports {@code kind}.
     */
    void reportError(String kind, Object subject, Throwable error) {
        String what;
        try {
            what = kind + " " + Errors.describe(subject) + " failed";
        } catch (Throwable cannotBuild) {
            what = kind; // a constant: reporting must not fail for want of memory
        }
        reportError(what, error);
    }

    // ---------------------------------------------------------------------------------------------
    // Queries and checks

    /**
     * How many times this hub has resumed a fiber since it was made: a diagnostic counter (gevent's
     * {@code hub.switch_count}), which tests use to prove that an operation switched. From any
     * thread; a read from another thread may lag slightly.
     */
    public long switchCount() {
        return sched.switches();
    }

    /** Live (not dead) user fibers of this hub. */
    int liveCount() {
        return fibers.size();
    }

    /** Queues {@code r} for this hub's thread from any thread; false if the hub is closed. */
    boolean sendFromAnyThread(Runnable r) {
        return inbox.offer(r);
    }

    /** True on this hub's thread, also in one of its virtual threads. */
    boolean isCurrentThread() {
        Thread t = Thread.currentThread();
        return t == thread || (t.isVirtual() && schedulesVirtualThreads && VirtualThreads.carrier() == thread);
    }

    void checkOpen() {
        if (closed) {
            throw closedError();
        }
    }

    private IllegalStateException closedError() {
        return new IllegalStateException("the hub of thread " + thread.getName()
                + " is closed; it takes no more work (Hub.current() makes a new one)");
    }

    void checkOwner(String what) {
        if (Thread.currentThread() != thread && !isCurrentThread()) {
            throw wrongThread(what); // built elsewhere: keeps this check small enough to inline
        }
    }

    private IllegalStateException wrongThread(String what) {
        return new IllegalStateException("cannot " + what + " from thread " + Thread.currentThread().getName()
                + ": this hub belongs to thread " + thread.getName());
    }

    void checkSameThread(Fiber f, String what) {
        if (f.sched != sched) {
            throw new IllegalStateException(f + " cannot be " + what + " of a fiber of thread "
                    + thread.getName() + ": fibers of different threads never switch to each other");
        }
    }

    @Override
    public String toString() {
        return "Hub[" + thread.getName() + (closed ? ", closed" : "") + ", fibers " + fibers.size() + "]";
    }
}
