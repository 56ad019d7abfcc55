package io.loomlet;

import io.loomlet.internal.Errors;
import io.loomlet.internal.TimerHeap;
import io.loomlet.internal.TimerNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.net.SocketException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import jdk.internal.vm.Continuation;
import org.jctools.queues.atomic.MpscUnboundedAtomicArrayQueue;

/**
 * The event loop of one thread: it schedules that thread's fibers. Created lazily by
 * {@link #current()}; run by the thread's root fiber.
 *
 * <h2>How control moves</h2>
 * Fibers are continuations run from the root's stack by a trampoline ({@link #runLoop}): a fiber
 * that switches yields to the trampoline naming its target, and the trampoline runs the target, so
 * a switch costs one yield plus one run. When the target is the hub itself, the trampoline asks the
 * scheduler ({@link #schedule}) for the next fiber; the scheduler runs the loop's phases, each a
 * named method:
 * <ol>
 *   <li>{@link #fireDueTimers()} — due sleeps, deadlines, {@link Timeout}s and {@link #callLater} handles;</li>
 *   <li>{@link #pollIo} — wait for I/O, a timer or a cross-thread wake (not at all when work is ready);</li>
 *   <li>{@link #drainInbox()} — run what other threads sent through the MPSC inbox;</li>
 *   <li>then the ready batch — the fibers and callbacks ready when the pass began, in order; what
 *       becomes ready meanwhile waits for the next pass, so a busy fiber cannot starve timers.</li>
 * </ol>
 *
 * <h2>Blocking</h2>
 * Every blocking operation in Loomlet goes through {@link #park}; see its contract. A blocking call
 * made from the root (outside any fiber) runs this loop until the call can return, so the same code
 * works inside and outside fibers. When nothing at all could ever wake such a call, it fails with
 * {@link LoopExit} instead of hanging.
 *
 * <h2>Confinement</h2>
 * A hub is driven only by its own thread. The methods that other threads may call say so
 * ({@link #callSoonThreadsafe}, {@link #stop}); everything else throws
 * {@link IllegalStateException} when called from another thread.
 */
public final class Hub implements AutoCloseable {
    /** {@link #park} returns this when the deadline passed before a wake. */
    public static final Object TIMED_OUT = new Object() {
        @Override
        public String toString() {
            return "TIMED_OUT";
        }
    };

    /** A {@link #park} deadline meaning "none". */
    public static final long NO_DEADLINE = Long.MIN_VALUE;

    private static final ThreadLocal<Hub> CURRENT = new ThreadLocal<>();
    /** Every open hub, for the watchdog and {@link Fibers#dump()}; weak so a dead thread's hub goes away. */
    private static final Map<Hub, Boolean> ALL = Collections.synchronizedMap(new WeakHashMap<>());
    private static volatile BiConsumer<String, Throwable> defaultErrorHandler = Errors::printToStderr;

    private static final Object RUN_BLOCKER = "Hub.run";
    private static final Object SLEEP_BLOCKER = "sleep";
    private static final Object YIELD_BLOCKER = "sleep(0)";

    final Thread thread;
    final Fiber root;
    final Fiber hubFiber;
    /** The fiber whose code runs now: a user fiber, the root, or the hub fiber (during callbacks). */
    Fiber current;
    /** The target a yielding fiber names for the trampoline. */
    private Fiber next;

    /** Fibers and Handles ready to run, in order. */
    private final ArrayDeque<Object> ready = new ArrayDeque<>();
    /** How many entries of {@link #ready} belong to the current pass. */
    private int batch;
    /** Targets owned by a loop lower on this stack (see runLoop); requeued when the nested loop ends. */
    private final ArrayDeque<Fiber> deferred = new ArrayDeque<>();
    private final TimerHeap timers = new TimerHeap();
    // JCTools' atomic (field-updater) flavour: the Unsafe flavour makes JDK 24+ print a deprecation
    // warning in every program that uses Loomlet; the inbox is not hot enough for the difference to matter.
    private final MpscUnboundedAtomicArrayQueue<Runnable> inbox = new MpscUnboundedAtomicArrayQueue<>(256);

    /*
     * sleeping: 0 awake, 1 parked in pollIo (LockSupport), 2 in Selector.select. Written by the hub thread, cleared by a waker that
     * then unparks the thread. The hub stores 1 and then re-checks the inbox; a producer offers and
     * then reads sleeping. Both are volatile (sequentially consistent) accesses, so at least one side
     * sees the other: either the hub sees the new entry and does not park, or the producer sees 1 and
     * unparks. A wake that arrives after the hub already woke is only a spurious unpark.
     */
    private volatile int sleeping;
    private static final VarHandle SLEEPING;
    private static final VarHandle SWITCHES;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            SLEEPING = l.findVarHandle(Hub.class, "sleeping", int.class);
            SWITCHES = l.findVarHandle(Hub.class, "switches", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Incremented by the hub thread on every fiber run; read by the watchdog with getOpaque. */
    @SuppressWarnings("unused")
    private long switches;

    /** Opened on the first I/O wait: a hub that never does I/O costs no file descriptor. */
    private Selector selector;
    /** Fibers parked in waitIo. */
    private int ioWaits;
    private static final Cleaner CLEANER = Cleaner.create();
    private static final Object IO_READY = "io ready";
    private static final Object IO_CLOSED = "io closed";

    private volatile boolean closed;
    private boolean inRun;
    private boolean stopRequested;
    /** Runs of the trampoline on this stack (root and pinned fibers). */
    private int loopDepth;
    /** Trampolines whose waiter is the hub fiber (a callback that switched into a fiber). */
    private int hubFiberWaiting;
    private int callbackDepth;
    /** Waits that only another thread or an external event can end (see LoopExit). */
    int externalWaits;

    // live user fibers (intrusive list) for close() and dump()
    Fiber liveHead; // read racily by the watchdog (see Watchdog.report)
    private int liveCount;

    private BiConsumer<String, Throwable> errorHandler;

    private Hub(Thread thread) {
        this.thread = thread;
        this.root = new Fiber(this, Fiber.KIND_ROOT, null);
        this.hubFiber = new Fiber(this, Fiber.KIND_HUB, null);
        this.current = root;
    }

    /** This thread's hub, created on first use (again after the previous one was closed). */
    public static Hub current() {
        Hub h = CURRENT.get();
        if (h == null) {
            h = new Hub(Thread.currentThread());
            CURRENT.set(h);
            ALL.put(h, Boolean.TRUE);
        }
        return h;
    }

    /** This thread's hub if it has one (never creates). */
    static Hub currentIfAny() {
        return CURRENT.get();
    }

    static List<Hub> all() {
        synchronized (ALL) {
            return new ArrayList<>(ALL.keySet());
        }
    }

    /** The thread that runs this hub. */
    public Thread thread() {
        return thread;
    }

    /** This hub's root fiber. */
    public Fiber root() {
        return root;
    }

    // ============================================================================================
    // asyncio's loop API
    // ============================================================================================

    /** A scheduled callback; {@link #cancel()} before it runs and it never will. */
    public static final class Handle {
        final Hub hub;
        final Runnable callback;
        private boolean cancelled;
        private final CallbackTimer timer;

        Handle(Hub hub, Runnable callback, boolean timed) {
            this.hub = hub;
            this.callback = callback;
            this.timer = timed ? new CallbackTimer(this) : null;
        }

        /** Cancels the callback; from the hub's thread. Harmless if it already ran. */
        public void cancel() {
            hub.checkOwner("cancel a callback");
            cancelled = true;
            if (timer != null && timer.isArmed()) {
                hub.timers.remove(timer);
            }
        }

        public boolean isCancelled() {
            return cancelled;
        }

        /** When a timed callback is due, in {@link Hub#time()} seconds; NaN for callSoon. */
        public double when() {
            return timer == null ? Double.NaN : timer.deadline() / 1e9;
        }
    }

    private static final class CallbackTimer extends TimerNode {
        final Handle handle;

        CallbackTimer(Handle handle) {
            this.handle = handle;
        }

        @Override
        public void fire() {
            if (!handle.cancelled) {
                handle.hub.ready.addLast(handle);
            }
        }
    }

    /** Runs {@code callback} in the next pass of the loop, in the hub fiber. */
    public Handle callSoon(Runnable callback) {
        checkOwner("callSoon");
        checkOpen();
        Handle h = new Handle(this, Objects.requireNonNull(callback, "callback"), false);
        ready.addLast(h);
        return h;
    }

    /** Runs {@code callback} after {@code delay}. */
    public Handle callLater(Duration delay, Runnable callback) {
        return callAtNanos(System.nanoTime() + Math.max(0, delay.toNanos()), callback);
    }

    /** Runs {@code callback} at {@code when}, in {@link #time()} seconds. */
    public Handle callAt(double when, Runnable callback) {
        return callAtNanos((long) (when * 1e9), callback);
    }

    private Handle callAtNanos(long deadline, Runnable callback) {
        checkOwner("callLater/callAt");
        checkOpen();
        Handle h = new Handle(this, Objects.requireNonNull(callback, "callback"), true);
        timers.add(h.timer, deadline);
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
        if (!execute(() -> ready.addLast(new Handle(this, callback, false)))) {
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
        if (inRun || current != root) {
            throw new IllegalStateException("Hub.run() is already running or was called from a fiber ("
                    + current + "); inside a fiber, block instead (sleep, join, get)");
        }
        inRun = true;
        try {
            if (stopRequested) {
                // asyncio: stop() before run() runs one pass and returns
                yieldNow();
            } else {
                park(RUN_BLOCKER, NO_DEADLINE);
            }
        } finally {
            inRun = false;
            stopRequested = false;
        }
    }

    /** Runs the loop until {@code a} is done; returns its value or raises its exception. */
    public <T> T runUntil(Awaitable<T> a) {
        checkOwner("run the hub");
        checkOpen();
        return a.get();
    }

    /** Spawns {@code c} on this hub and runs the loop until it is done. */
    public <T> T runUntil(Callable<T> c) {
        checkOwner("run the hub");
        checkOpen();
        return Fibers.spawn(c).get();
    }

    /**
     * Makes {@link #run()} return once the callbacks already scheduled have run. From any thread.
     */
    public void stop() {
        if (Thread.currentThread() != thread) {
            execute(this::stop);
            return;
        }
        stopRequested = true;
        if (inRun && root.state == Fiber.PARKED && root.blocker == RUN_BLOCKER) {
            unpark(root, null);
        }
    }

    /** True while the loop runs: inside {@link #run()}, a blocking call from the root, or any fiber. */
    public boolean isRunning() {
        return inRun || loopDepth > 0;
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Closes the hub: kills the fibers left (raising {@link FiberExit} in each, so their
     * {@code finally} blocks run), drops pending callbacks and timers, and refuses work from then
     * on. A later {@link #current()} on this thread makes a new hub. Call it from the root, when the
     * loop is not running.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        checkOwner("close the hub");
        if (current != root || loopDepth > 0) {
            throw new IllegalStateException("Hub.close() called from inside the running loop (" + current
                    + "); call it from the root once run() has returned");
        }
        killRemaining();
        closed = true;
        timers.clear();
        ready.clear();
        deferred.clear();
        while (inbox.relaxedPoll() != null) {
            // what other threads sent to a closed hub is dropped: its fibers are dead
        }
        if (selector != null) {
            try {
                selector.close(); // deregisters every channel; the channels stay their owners' to close
            } catch (IOException e) {
                reportError("closing the selector of " + this, e);
            }
        }
        if (CURRENT.get() == this) {
            CURRENT.remove();
        }
        ALL.remove(this);
    }

    private void killRemaining() {
        for (int round = 0; round < 3 && liveCount > 0; round++) {
            List<Fiber> left = liveFibers();
            for (Fiber f : left) {
                FiberExit exit = new FiberExit("hub closed");
                switch (f.state) {
                    case Fiber.NEW -> killUnstarted(f, exit);
                    case Fiber.PARKED, Fiber.READY -> cancelPark(f, exit);
                    case Fiber.SUSPENDED -> ready.addLast(new Handle(this, () -> {
                        if (f.state == Fiber.SUSPENDED) {
                            f.throwInto(exit);
                        }
                    }, false));
                    default -> { }
                }
            }
            // Let them run their finally blocks; bounded so a fiber that ignores FiberExit cannot hang close.
            for (int pass = 0; pass < 1000 && liveCount > 0 && (!ready.isEmpty() || !inbox.isEmpty()); pass++) {
                yieldNow();
            }
        }
        for (Fiber f : liveFibers()) {
            Errors.warn("hub of " + thread.getName() + " closed, but " + f
                    + " would not exit (it caught FiberExit three times); it is abandoned");
            unregister(f);
        }
    }

    /** Sets the handler for errors nobody else will see (failed unjoined tasks, failing callbacks). */
    public void setErrorHandler(BiConsumer<String, Throwable> handler) {
        this.errorHandler = handler;
    }

    /** Sets the handler new and existing hubs use when none was set on them; default prints to stderr. */
    public static void setDefaultErrorHandler(BiConsumer<String, Throwable> handler) {
        defaultErrorHandler = Objects.requireNonNull(handler, "handler");
    }

    void reportError(String what, Throwable error) {
        BiConsumer<String, Throwable> h = errorHandler != null ? errorHandler : defaultErrorHandler;
        try {
            h.accept(what, error);
        } catch (Throwable t) {
            Errors.printToStderr("error handler failed while reporting: " + what, t);
        }
    }

    // ============================================================================================
    // The one way to block
    // ============================================================================================

    /**
     * Blocks the current fiber until it is woken, its deadline passes, or it is cancelled. Every
     * blocking operation in Loomlet — sleep, join, locks, queues, events, sockets — does so by
     * calling this method (usually through {@link ParkingLot}).
     *
     * <p>The contract:
     * <ul>
     *   <li><b>Before</b> calling, the caller registers a way to be woken: something that will call
     *       {@link #unpark unpark(fiber, value)} on this hub's thread (a ParkingLot, a selector key, a
     *       listener that wakes through {@link #callSoonThreadsafe}).</li>
     *   <li><b>Woken</b>: returns the value given to unpark. Only the first of wake, deadline and
     *       cancellation counts; the others then do nothing.</li>
     *   <li><b>Timed out</b>: returns {@link #TIMED_OUT} once {@code deadline} (a
     *       {@link System#nanoTime()} value, or {@link #NO_DEADLINE}) has passed.</li>
     *   <li><b>Cancelled</b> (a kill, a {@link Timeout}, the hub closing, {@link LoopExit}): throws.</li>
     *   <li><b>After</b> it returns or throws, the caller removes its waker (in a {@code finally}):
     *       the hub has already removed the deadline timer and the ParkingLot entry, never anything
     *       else. A waker that fires late finds the fiber no longer parked and does nothing.</li>
     * </ul>
     * From the root it runs the loop until one of these happens. From a hub callback it throws
     * {@link IllegalStateException}: callbacks must not block; spawn a fiber.
     *
     * @param blocker what the fiber waits for, shown by {@link Fibers#dump()}
     */
    public Object park(Object blocker, long deadline) {
        checkOwner("block");
        Fiber self = current;
        if (self == hubFiber) {
            throw new IllegalStateException("blocking call (" + blocker + ") in a hub callback; "
                    + "callbacks must not block: spawn a fiber for blocking work");
        }
        checkOpen();
        Throwable pending = self.pendingThrow;
        if (pending != null) {
            self.pendingThrow = null;
            throw Errors.sneaky(pending);
        }
        // parkSeq stays the same for the whole park and moves on when it ends, so a waker that read it
        // before the park (cross-thread listeners do) is stale, and ignored, once this park is over.
        self.blocker = blocker;
        if (deadline != NO_DEADLINE) {
            timers.add(self.parkTimer, deadline);
        }
        if (Watchdog.trackMonitors) {
            self.heldMonitors = Watchdog.heldMonitors(self);
        }
        try {
            return yieldTo(self, hubFiber, Fiber.PARKED);
        } finally {
            if (self.parkTimer.isArmed()) {
                timers.remove(self.parkTimer);
            }
            self.blocker = null;
            self.heldMonitors = null;
            self.parkSeq++;
        }
    }

    /**
     * Wakes {@code f}, parked in {@link #park}, which will return {@code value}. On the hub's
     * thread only. Returns false, doing nothing, if {@code f} is not parked (it was woken, timed
     * out or cancelled already).
     */
    public boolean unpark(Fiber f, Object value) {
        assert Thread.currentThread() == thread : "unpark off the hub thread";
        if (f.state != Fiber.PARKED) {
            return false;
        }
        f.state = Fiber.READY;
        f.inValue = value;
        f.inThrow = null;
        if (f.parkTimer.isArmed()) {
            timers.remove(f.parkTimer);
        }
        ready.addLast(f);
        return true;
    }

    /**
     * Wakes {@code f} from any thread, if it is still in the park numbered {@code parkSeq}; from
     * another thread the wake travels through the inbox.
     */
    static void unparkFromAnyThread(Fiber f, long parkSeq, Object value) {
        Hub h = f.hub;
        if (Thread.currentThread() == h.thread) {
            h.unparkIfSeq(f, parkSeq, value);
        } else {
            h.execute(() -> h.unparkIfSeq(f, parkSeq, value));
        }
    }

    private void unparkIfSeq(Fiber f, long parkSeq, Object value) {
        if (f.parkSeq == parkSeq) {
            unpark(f, value);
        }
    }

    /**
     * Resumes a parked or ready fiber by raising {@code t} in it (kill, Timeout). A fiber already
     * woken with a value gets the exception instead; whoever woke it learns through
     * {@link ParkingLot}'s abandon hook, so what it was handed is passed on, not lost.
     */
    boolean cancelPark(Fiber f, Throwable t) {
        if (f.state == Fiber.PARKED) {
            if (f.lot != null) {
                f.lot.remove(f);
            }
            unpark(f, null);
            f.inThrow = t;
            return true;
        }
        if (f.state == Fiber.READY) {
            f.inThrow = t;
            return true;
        }
        return false;
    }

    void parkTimedOut(Fiber f) {
        if (f.state == Fiber.PARKED) {
            if (f.lot != null) {
                f.lot.remove(f);
            }
            unpark(f, TIMED_OUT);
        }
    }

    /** sleep(0): lets every fiber that is ready run once, then comes back. */
    void yieldNow() {
        checkOwner("yield");
        Fiber self = current;
        if (self == hubFiber) {
            throw new IllegalStateException("sleep/yield in a hub callback; callbacks must not block");
        }
        checkOpen();
        Throwable pending = self.pendingThrow;
        if (pending != null) {
            self.pendingThrow = null;
            throw Errors.sneaky(pending);
        }
        self.blocker = YIELD_BLOCKER;
        self.inValue = null;
        self.inThrow = null;
        ready.addLast(self);
        try {
            yieldTo(self, hubFiber, Fiber.READY);
        } finally {
            self.blocker = null;
            self.parkSeq++;
        }
    }

    /** Sleeps the current fiber until {@code deadline} ({@link System#nanoTime()}). */
    void sleepUntil(long deadline) {
        Object r = park(SLEEP_BLOCKER, deadline);
        assert r == TIMED_OUT : "a sleep woken by " + r;
    }

    // ============================================================================================
    // Switching: the trampoline
    // ============================================================================================

    /** Fiber.switchTo / throwInto: greenlet's switch semantics, then the transfer. */
    Object switchFromCurrent(Fiber target, Object value, Throwable thrown) {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("cannot switch to " + target + " from thread "
                    + Thread.currentThread().getName() + ": a fiber only runs on the thread that made it "
                    + "(hand work across threads with HubGroup, AsyncResult or callSoonThreadsafe)");
        }
        checkOpen();
        Fiber self = current;
        for (;;) {
            if (target.state == Fiber.DEAD) {
                target = target.parent == null ? root : target.parent; // greenlet: to the parent
            } else if (target.state == Fiber.NEW && thrown != null) {
                // greenlet: throwing into an unstarted fiber kills it without running it
                killUnstarted(target, thrown);
                if (thrown instanceof FiberExit) {
                    value = thrown;
                    thrown = null;
                }
                target = target.parent == null ? root : target.parent;
            } else {
                break;
            }
        }
        if (target == self) {
            if (thrown != null) {
                throw Errors.sneaky(thrown);
            }
            return value;
        }
        if (target.state == Fiber.PARKED || target.state == Fiber.READY) {
            throw new IllegalStateException("cannot switch to " + target + ": it is blocked in "
                    + describe(target.blocker) + " and only its waker, a kill or a Timeout may resume it");
        }
        target.inValue = value;
        target.inThrow = thrown;
        return yieldTo(self, target, Fiber.SUSPENDED);
    }

    /**
     * Leaves {@code self} (the current fiber) in state {@code leave} and transfers control to
     * {@code target}, whose transfer slot is already filled. Returns what resumes {@code self}.
     */
    private Object yieldTo(Fiber self, Fiber target, int leave) {
        self.state = leave;
        if (self.cont != null) {
            next = target;
            if (!Continuation.yield(Fiber.SCOPE)) {
                // Pinned (a native frame such as a static initialiser, or a critical section): the
                // continuation cannot unmount. Rather than fail or hang, run the loop right here on
                // this fiber's stack until something resumes it, exactly as the root does.
                // FiberContinuation.onPinned has already warned, once per frame.
                next = null;
                runLoop(target, self);
            }
        } else {
            runLoop(target, self);
        }
        return takeResume(self);
    }

    /** Reads and clears the transfer slot of the fiber that just resumed. */
    Object takeResume(Fiber self) {
        Object v = self.inValue;
        Throwable t = self.inThrow;
        self.inValue = null;
        self.inThrow = null;
        if (t != null) {
            throw Errors.sneaky(t);
        }
        return v;
    }

    /**
     * The trampoline. Runs on a stack that cannot unmount — the root's, or a pinned fiber's — and
     * keeps running fibers until control is transferred to {@code waiter}. A target owned by a loop
     * lower on this stack (the root below a pinned fiber) cannot be resumed from here: it is
     * deferred and requeued when this loop ends.
     */
    private void runLoop(Fiber target, Fiber waiter) {
        boolean nested = waiter.kind == Fiber.KIND_USER;
        if (nested) {
            waiter.onStack = true;
        }
        if (waiter == hubFiber) {
            hubFiberWaiting++;
        }
        loopDepth++;
        try {
            Fiber t = target;
            while (t != waiter) {
                if (t == hubFiber) {
                    t = schedule(waiter);
                } else if (t.onStack) {
                    deferred.addLast(t);
                    t = hubFiber;
                } else if (t.state == Fiber.DEAD) {
                    t = hubFiber;
                } else {
                    current = t;
                    t.state = Fiber.RUNNING;
                    SWITCHES.setOpaque(this, (long) SWITCHES.getOpaque(this) + 1);
                    t.cont.run();
                    t = next;
                    next = null;
                }
            }
        } finally {
            loopDepth--;
            if (waiter == hubFiber) {
                hubFiberWaiting--;
            }
            if (nested) {
                waiter.onStack = false;
                for (Fiber d; (d = deferred.pollLast()) != null; ) {
                    ready.addFirst(d);
                    batch++;
                }
            }
        }
        current = waiter;
        waiter.state = Fiber.RUNNING;
    }

    /** Returns the next fiber to run, running callbacks and the loop's phases until there is one. */
    private Fiber schedule(Fiber waiter) {
        current = hubFiber;
        for (;;) {
            while (batch > 0) {
                batch--;
                Object e = ready.pollFirst();
                if (e == null) {
                    batch = 0;
                } else if (e instanceof Fiber f) {
                    if (f.state != Fiber.DEAD) {
                        return f;
                    }
                } else {
                    runCallback((Handle) e);
                }
            }
            fireDueTimers();
            pollIo(waiter);
            drainInbox();
            batch = ready.size();
        }
    }

    private void runCallback(Handle h) {
        if (h.cancelled) {
            return;
        }
        callbackDepth++;
        try {
            h.callback.run();
        } catch (Throwable t) {
            reportError("callback " + h.callback + " failed", t);
        } finally {
            callbackDepth--;
            current = hubFiber;
        }
    }

    /** Phase: fire every timer whose deadline has passed. */
    private void fireDueTimers() {
        if (timers.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        for (TimerNode n; (n = timers.pollDue(now)) != null; ) {
            try {
                n.fire();
            } catch (Throwable t) {
                reportError("timer " + n + " failed", t);
            }
        }
    }

    /**
     * Phase: wait for I/O, a due timer or a cross-thread wake; not at all when work is ready. With
     * channels waited on, this is a Selector select; otherwise the thread parks, which needs no file
     * descriptor.
     */
    private void pollIo(Fiber waiter) {
        boolean work = !ready.isEmpty() || !inbox.isEmpty();
        if (ioWaits > 0) {
            select(work);
            return;
        }
        if (work) {
            return;
        }
        TimerNode first = timers.peek();
        if (first == null && externalWaits == 0 && !(inRun && root.blocker == RUN_BLOCKER)) {
            // Nothing ready, no timer, no I/O, nobody outside who could wake us: the wait would never end.
            loopExit(waiter);
            return;
        }
        SLEEPING.setVolatile(this, 1);
        try {
            if (!inbox.isEmpty()) {
                return;
            }
            if (first == null) {
                LockSupport.park(this);
            } else {
                long wait = first.deadline() - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(this, wait);
                }
            }
        } finally {
            SLEEPING.setVolatile(this, 0);
        }
    }

    private void select(boolean work) {
        try {
            if (work) {
                selector.selectNow();
            } else {
                TimerNode first = timers.peek();
                // -1 only when there is no timer at all. A timer that came due since fireDueTimers
                // gives a negative difference, which must mean "do not wait", not "wait forever".
                long wait = first == null ? -1 : Math.max(0, first.deadline() - System.nanoTime());
                SLEEPING.setVolatile(this, 2);
                try {
                    if (!inbox.isEmpty()) {
                        selector.selectNow();
                    } else if (wait < 0) {
                        selector.select();
                    } else if (wait < 1_000_000) {
                        selector.selectNow(); // select(0) means forever; sub-millisecond waits poll
                    } else {
                        selector.select((wait + 999_999) / 1_000_000);
                    }
                } finally {
                    SLEEPING.setVolatile(this, 0);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("selector of " + this + " failed", e);
        }
        dispatchIo();
    }

    /** Wakes the fibers whose channels are ready. Runs no fiber, so nothing here re-enters the loop. */
    private void dispatchIo() {
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
            SelectionKey k = it.next();
            it.remove();
            if (!k.isValid()) {
                continue;
            }
            IoWaiters w = (IoWaiters) k.attachment();
            int r = k.readyOps();
            if ((r & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT)) != 0 && w.reader != null) {
                unpark(w.reader, IO_READY);
            }
            if ((r & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0 && w.writer != null) {
                unpark(w.writer, IO_READY);
            }
        }
    }

    /** The fibers waiting on one channel: at most one reader (read/accept) and one writer (write/connect). */
    private static final class IoWaiters {
        Fiber reader;
        Fiber writer;
    }

    private Selector selector() throws IOException {
        if (selector == null) {
            Selector s = Selector.open();
            selector = s;
            // A thread that dies without closing its hub must not leak the selector's descriptors.
            CLEANER.register(this, () -> {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // nothing more to do for a dead thread's selector
                }
            });
        }
        return selector;
    }

    /**
     * Parks the current fiber until {@code ch} (non-blocking) is ready for {@code op} — one of
     * {@link SelectionKey#OP_READ}, {@code OP_WRITE}, {@code OP_ACCEPT}, {@code OP_CONNECT} — or
     * {@code deadline} passes. The I/O face of {@link #park}, with the same contract: returns true
     * when ready, false at the deadline, throws when cancelled. The interest is removed before it
     * returns, however it returns. Low-level: sockets in {@code io.loomlet.net} are built on it.
     *
     * @throws SocketException if {@link #closeChannel} closes the channel meanwhile
     * @throws IllegalStateException if another fiber already waits for the same direction on
     *     {@code ch}, or called off the hub's thread or from a hub callback
     */
    public boolean waitIo(SelectableChannel ch, int op, long deadline) throws IOException {
        checkOwner("wait for I/O");
        checkOpen();
        Fiber self = current;
        boolean in = (op & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT)) != 0;
        SelectionKey key = ch.keyFor(selector());
        if (key == null) {
            key = ch.register(selector, 0, new IoWaiters());
        }
        IoWaiters w = (IoWaiters) key.attachment();
        Fiber other = in ? w.reader : w.writer;
        if (other != null) {
            throw new IllegalStateException("cannot wait to " + (in ? "read" : "write") + " on " + ch + ": "
                    + other + " already waits for that; one fiber reads and one writes a socket at a time");
        }
        if (self == hubFiber) {
            throw new IllegalStateException("I/O wait in a hub callback; callbacks must not block: spawn a fiber");
        }
        if (in) {
            w.reader = self;
        } else {
            w.writer = self;
        }
        key.interestOps(key.interestOps() | op);
        ioWaits++;
        Object r;
        try {
            r = park(ch, deadline);
        } finally {
            ioWaits--;
            if (in) {
                w.reader = null;
            } else {
                w.writer = null;
            }
            if (key.isValid()) {
                key.interestOps(key.interestOps() & ~op);
            }
        }
        if (r == IO_CLOSED) {
            throw new SocketException("Socket closed (by another fiber, while " + self.name() + " waited to "
                    + (in ? "read" : "write") + ")");
        }
        return r != TIMED_OUT;
    }

    /**
     * Closes {@code ch}: the fibers waiting on it are woken with a {@link SocketException}, its key
     * is deregistered at once (so the file descriptor is released now, not at some later select),
     * and the channel is closed. Harmless on a closed channel. Hub thread only; from another thread,
     * send it with {@link #callSoonThreadsafe}.
     */
    public void closeChannel(SelectableChannel ch) throws IOException {
        checkOwner("close a channel of this hub");
        SelectionKey key = selector == null ? null : ch.keyFor(selector);
        if (key != null) {
            IoWaiters w = (IoWaiters) key.attachment();
            if (w.reader != null) {
                unpark(w.reader, IO_CLOSED);
            }
            if (w.writer != null) {
                unpark(w.writer, IO_CLOSED);
            }
            key.cancel();
        }
        ch.close();
        if (key != null && !closed) {
            selector.selectNow(); // flush the cancelled key: the descriptor closes now
        }
    }

    private void loopExit(Fiber waiter) {
        LoopExit e = new LoopExit("this operation would block forever: the hub of thread "
                + thread.getName() + " has no fiber ready, no timer, no I/O and no cross-thread wait left, "
                + "so nothing could wake " + waiter + (waiter.blocker == null ? "" : " (blocked in "
                + describe(waiter.blocker) + ")"));
        if (waiter == hubFiber || !cancelPark(waiter, e)) {
            waiter.inValue = null;
            waiter.inThrow = e;
            ready.addLast(waiter);
        }
    }

    /** Phase: run what other threads sent. */
    private void drainInbox() {
        for (int n = 0; n < 4096; n++) {
            Runnable r = inbox.relaxedPoll();
            if (r == null) {
                return;
            }
            try {
                r.run();
            } catch (Throwable t) {
                reportError("cross-thread callback " + r + " failed", t);
            }
        }
    }

    /** Queues {@code r} for this hub's thread from any thread; false if the hub is closed. */
    boolean execute(Runnable r) {
        if (closed) {
            return false;
        }
        inbox.offer(r);
        int s = sleeping;
        if (s != 0 && SLEEPING.compareAndSet(this, s, 0)) {
            if (s == 1) {
                LockSupport.unpark(thread);
            } else {
                selector.wakeup();
            }
        }
        return true;
    }

    /** Runs inside a dying fiber's continuation: picks who receives its outcome. */
    void fiberDied(Fiber f, Object result, Throwable error) {
        f.state = Fiber.DEAD;
        f.locals = null;
        unregister(f);
        Fiber p = f.parent;
        while (p != null && p.state == Fiber.DEAD) {
            p = p.parent;
        }
        if (p == null) {
            p = root;
        }
        if (p.state == Fiber.PARKED || p.state == Fiber.READY
                || (p == hubFiber && hubFiberWaiting == 0)) {
            // The parent is blocked in a hub wait (or is the hub loop itself): it cannot take a
            // greenlet-style result, so the hub gets control and nothing is lost silently.
            if (error != null) {
                reportError(f + " died with an exception and its parent " + p + " could not receive it", error);
            }
            next = hubFiber;
            return;
        }
        p.inValue = result;
        p.inThrow = error;
        next = p;
    }

    /** A fiber that never ran is killed: it dies without running its body. */
    void killUnstarted(Fiber f, Throwable why) {
        f.state = Fiber.DEAD;
        unregister(f);
        if (f.task != null) {
            f.task.diedUnstarted(why);
        }
    }

    // ============================================================================================
    // Tasks and bookkeeping
    // ============================================================================================

    /** Queues a new fiber to start in the next pass. */
    void enqueueNew(Fiber f) {
        checkOpen();
        ready.addLast(f);
    }

    /** Adds a timer (Timeout, spawnLater). */
    void addTimer(TimerNode n, long deadline) {
        checkOpen();
        timers.add(n, deadline);
    }

    void removeTimer(TimerNode n) {
        timers.remove(n);
    }

    void register(Fiber f) {
        f.allNext = liveHead;
        if (liveHead != null) {
            liveHead.allPrev = f;
        }
        liveHead = f;
        liveCount++;
    }

    void unregister(Fiber f) {
        if (f.allPrev == null && liveHead != f) {
            return; // not registered (already removed)
        }
        if (f.allPrev != null) {
            f.allPrev.allNext = f.allNext;
        } else {
            liveHead = f.allNext;
        }
        if (f.allNext != null) {
            f.allNext.allPrev = f.allPrev;
        }
        f.allPrev = null;
        f.allNext = null;
        liveCount--;
    }

    /** The live (not dead) user fibers of this hub, newest first. Hub thread only. */
    List<Fiber> liveFibers() {
        List<Fiber> out = new ArrayList<>(liveCount);
        for (Fiber f = liveHead; f != null; f = f.allNext) {
            out.add(f);
        }
        return out;
    }

    int liveCount() {
        return liveCount;
    }

    long switches() {
        return (long) SWITCHES.getOpaque(this);
    }

    /**
     * How many times this hub has resumed a fiber since it was made: a diagnostic counter (gevent's
     * {@code hub.switch_count}), which tests use to prove that an operation switched. From any
     * thread; a read from another thread may lag slightly.
     */
    public long switchCount() {
        return switches();
    }

    boolean isSleeping() {
        return sleeping != 0;
    }

    boolean isCurrentThread() {
        return Thread.currentThread() == thread;
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
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("cannot " + what + " from thread " + Thread.currentThread().getName()
                    + ": this hub belongs to thread " + thread.getName());
        }
    }

    void checkSameThread(Fiber f, String what) {
        if (f.hub != this) {
            throw new IllegalStateException(f + " cannot be " + what + " of a fiber of thread "
                    + thread.getName() + ": fibers of different threads never switch to each other");
        }
    }

    static String describe(Object blocker) {
        return blocker == null ? "nothing" : blocker.toString();
    }

    @Override
    public String toString() {
        return "Hub[" + thread.getName() + (closed ? ", closed" : "") + ", fibers " + liveCount + "]";
    }
}
