package io.loomlet;

import io.loomlet.internal.Errors;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.List;
import jdk.internal.vm.Continuation;

/**
 * The trampoline and the loop of one hub.
 *
 * <p><b>The trampoline.</b> Fibers are continuations run from a stack that cannot unmount — the
 * root's, or a pinned fiber's — by {@link #runLoop}: a fiber that switches yields naming its target
 * ({@link #next}), and the trampoline runs that target, so a switch costs one yield plus one run.
 * When the target is the hub itself, the trampoline asks {@link #nextToRun} for work.
 *
 * <p><b>The loop</b> (trio's "this while loop right here is our event loop"): each pass runs the
 * fibers and callbacks that were ready when the pass began, in order — what becomes ready meanwhile
 * waits for the next pass, so a busy fiber cannot starve timers — then:
 * <ol>
 *   <li>{@link #fireDueTimers()}: due sleeps, park deadlines, Timeouts and {@code callLater} handles;</li>
 *   <li>{@link #poll}: wait for I/O, a timer or a cross-thread wake (not at all when work is ready),
 *       or raise {@link LoopExit} in a wait nothing could ever end;</li>
 *   <li>{@link #drainInbox()}: run what other threads sent.</li>
 * </ol>
 *
 * <p><b>Surviving bad moments.</b> Whatever is thrown inside the loop — by a callback, a timer, an
 * error handler, or the JVM itself (a stack overflow, no memory) — the loop's own state stays
 * consistent: callbacks and timers are fenced one by one, a continuation that fails outside its
 * body is buried, and an error that escapes the loop resumes the fiber that waited for it with that
 * error ({@link #switchAway}), leaving the hub usable.
 *
 * <p>Confinement: the hub's thread only.
 */
final class Scheduler {
    /** Set by diagnostics while they watch parks; null otherwise. */
    static volatile ParkObserver observer;

    /** Inbox items run per pass, so a flood from other threads cannot starve this thread's fibers. */
    private static final int INBOX_BATCH = 4096;
    private static final VarHandle SWITCHES;

    static {
        try {
            SWITCHES = MethodHandles.lookup().findVarHandle(Scheduler.class, "switches", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        // Load the classes the loop uses now, with the first hub: loading a class needs a file
        // descriptor, and the loop must keep working when the process has none left (EMFILE).
        Park.Wake.values();
        Blocker.values();
        // For the JIT too: it inlines no method whose signature names a class not yet loaded, and a
        // park not inlined (sleep loads no Abort) made every parked fiber's stack 80 bytes bigger.
        Park.Abort.class.getName();
        HopelessWait.class.getName(); // loaded now; a LoopExit may come when no descriptor is left
    }

    final Hub hub;
    // The hub's collaborators and thread, held here too so the loop's hot paths save a hop.
    private final Inbox inbox;
    private final Reactor reactor;
    final Thread thread;
    final Fiber root;
    final Fiber hubFiber;
    final TimerHeap timers = new TimerHeap();

    /**
     * The fiber whose code runs now: a user fiber, the root, or the hub fiber (during callbacks);
     * null while one of the hub's virtual threads runs (see {@link #current()}).
     */
    Fiber current;
    /** The task of the virtual thread running now, or null: read racily by the watchdog's report only. */
    Runnable runningVirtual;
    /** The target a yielding fiber names for the trampoline. */
    private Fiber next;
    /** Fibers, Handles and virtual threads' continuations ready to run, in order. */
    private final ArrayDeque<Object> ready = new ArrayDeque<>();
    /** How many entries of {@link #ready} belong to the current pass. */
    private int batch;
    /**
     * Targets owned by a loop lower on this stack (see runLoop), and fibers and virtual threads held
     * back while a pinned fiber holding monitors waits ({@link #isolating}); requeued when the nested
     * loop ends.
     */
    private final ArrayDeque<Object> deferred = new ArrayDeque<>();
    /**
     * Nested loops now on this stack whose waiter is a pinned fiber holding monitors: while one
     * runs, no fiber or virtual thread but its waiter is resumed (see {@link #runPinned}).
     */
    private int isolating;
    /** Runs of the trampoline on this stack (root and pinned fibers). */
    private int loopDepth;
    /** Trampolines whose waiter is the hub fiber (a callback that switched into a fiber). */
    private int hubFiberWaiting;
    /** Parks now in progress that declared Wake.OTHER_THREAD, and Wake.IO (see Park). */
    private int otherThreadParks;
    private int ioParks;
    /** Incremented on every fiber run; read by the watchdog and tests with getOpaque. */
    @SuppressWarnings("unused")
    private long switches;

    Scheduler(Hub hub, Inbox inbox, Reactor reactor) {
        this.hub = hub;
        this.inbox = inbox;
        this.reactor = reactor;
        this.thread = hub.thread;
        this.root = new Fiber(this, Fiber.ROOT);
        this.hubFiber = new Fiber(this, Fiber.HUB);
        this.current = root;
    }

    /** The current fiber; in one of the hub's virtual threads, that thread's fiber. */
    Fiber current() {
        Fiber f = current;
        return f != null ? f : VirtualThreadScheduler.fiberOf(this);
    }

    void enqueueVirtual(Runnable cont) {
        ready.addLast(cont);
    }

    long switches() {
        return (long) SWITCHES.getOpaque(this);
    }

    void countSwitch() {
        SWITCHES.setOpaque(this, (long) SWITCHES.getOpaque(this) + 1);
    }

    boolean isLooping() {
        return loopDepth > 0;
    }

    boolean hasReadyWork() {
        return !ready.isEmpty();
    }

    void enqueue(Fiber f) {
        ready.addLast(f);
    }

    void enqueue(Handle h) {
        ready.addLast(h);
    }

    void countPark(Park.Wake wake, int delta) {
        if (wake == Park.Wake.OTHER_THREAD) {
            otherThreadParks += delta;
        } else if (wake == Park.Wake.IO) {
            ioParks += delta;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The trampoline

    /**
     * Transfers control from {@code self} (the current fiber, already in the state it leaves in) to
     * {@code target}, whose transfer slot is filled. Returns what resumes {@code self}. If an error
     * strikes before {@code self} is resumed (a stack overflow in the loop, which runs on this very
     * stack when {@code self} is the root), it propagates; the caller's {@code finally} then takes
     * {@code self} back to RUNNING ({@link Strand#recover}), so the error is raised in the fiber that
     * was waiting and the hub stays usable.
     */
    Object switchAway(Fiber self, Fiber target) {
        if (self.cont != null) {
            return yieldTo(self, target);
        }
        runLoop(target, self);
        return self.takeResume();
    }

    /**
     * switchAway for a fiber with a continuation, called by park directly: through switchAway, whose
     * other branch the hub fiber takes all the time, the JIT inlined runLoop into the compiled frame
     * every parked fiber keeps (64 bytes more each). Only {@code self} is used after the yield (hence
     * self.sched): a value live across it, even only for deoptimisation, sits in that frame too.
     */
    Object yieldTo(Fiber self, Fiber target) {
        next = target;
        if (Continuation.yield(Fiber.SCOPE)) {
            self.mount(); // resumed by the trampoline, on this fiber's own stack
        } else {
            self.sched.runPinned(self);
        }
        return self.takeResume();
    }

    /**
     * Pinned (a native frame such as a static initialiser, or a critical section; onPinned warned):
     * rather than fail or hang, run the loop on this fiber's stack until something resumes it.
     */
    private void runPinned(Fiber self) {
        Fiber target = next;
        next = null;
        // A fiber resumed on this stack now runs on top of self's frames, with self's monitors in
        // the thread's lock stack: it enters one of them as a re-entry while self holds it
        // (PinnedMonitorTest, without this), and when it parks it takes their records with it
        // (HotSpot freezes the thread's whole lock stack into the chunk of the continuation that
        // yields: NestedContinuationMonitorTest). So while self holds one, it waits as a pinned
        // virtual thread does, holding the thread: the loop serves I/O, timers and callbacks, and
        // resumes only self (and any fiber self switched to by name).
        boolean isolate = PinnedWait.holdsMonitors(self);
        if (isolate) {
            isolating++;
        }
        try {
            runLoop(target, self);
        } finally {
            if (isolate) {
                isolating--;
            }
        }
    }

    /**
     * The trampoline. Runs on a stack that cannot unmount and keeps running fibers until control
     * is transferred to {@code waiter}. A target owned by a loop lower on this stack (the root below
     * a pinned fiber) cannot be resumed from here: it is deferred and requeued when this loop ends.
     */
    private void runLoop(Fiber target, Fiber waiter) {
        boolean nested = waiter.kind == Fiber.USER;
        if (nested) {
            waiter.onStack = true;
        }
        if (waiter == hubFiber) {
            hubFiberWaiting++;
        }
        loopDepth++;
        try {
            armPending(waiter); // a root's or pinned fiber's park lands here, not after a run
            Fiber t = target;
            while (t != waiter) {
                if (t == hubFiber) {
                    t = nextToRun(waiter);
                    if (isolating > 0 && t != waiter) {
                        deferred.addLast(t); // a pinned fiber holding monitors waits below: see runPinned
                        t = hubFiber;
                    }
                } else if (t.onStack) {
                    deferred.addLast(t);
                    t = hubFiber;
                } else if (t.isDead()) {
                    t = hubFiber;
                } else {
                    // Run t until it yields; it names the next target. Written here, not in a method
                    // of its own: the loop must stay above C2's limit for inlining a hot method (325
                    // bytecodes), or C2 inlines it into the root's park, whose compiled code then
                    // grows too big to be inlined into sleep and the other blocking calls (measured:
                    // a root's 1 ns sleep about 10 ns slower, #8). The fiber mounts itself (RUNNING)
                    // once it is on its own stack, so if the continuation cannot even be entered (a
                    // stack overflow at the call) the fiber is untouched, and put back first in line.
                    current = t;
                    SWITCHES.setOpaque(this, (long) SWITCHES.getOpaque(this) + 1);
                    try {
                        t.cont.run();
                        armPending(t);
                    } catch (Throwable e) {
                        if (t.isRunnable()) {
                            next = null;
                            current = hubFiber;
                            ready.addFirst(t); // never entered: it runs in a later pass
                            batch++;
                            throw e;
                        }
                        buryAfterFailure(t, e);
                    }
                    t = next;
                    next = null;
                    if (t == null) {
                        t = hubFiber; // a buried fiber named nobody
                    }
                }
            }
            waiter.mount();
        } finally {
            // First, and with no call: also when an error (a stack overflow) escapes, the code running
            // on this stack is the waiter's again.
            current = waiter;
            loopDepth--;
            if (waiter == hubFiber) {
                hubFiberWaiting--;
            }
            if (nested) {
                waiter.onStack = false;
                for (Object d; (d = deferred.pollLast()) != null; ) {
                    ready.addFirst(d);
                    batch++;
                }
            }
        }
    }

    /**
     * Arms the deadline that {@code f}'s park left pending ({@link Strand#park}). Called as soon as
     * {@code f} has switched away, before anything else runs, so no waker or timer can see it pending.
     */
    void armPending(Fiber f) {
        if (f.index == TimerNode.PENDING) {
            f.index = TimerNode.NOT_ARMED;
            try {
                timers.add(f, f.deadline);
            } catch (Throwable e) {
                // The heap could not take it (no memory to grow): the park fails in its fiber with the
                // error, as it did when park armed the timer itself, rather than wait with no deadline.
                try {
                    f.cancel(e);
                } catch (Throwable again) {
                    Errors.lastResort();
                }
            }
        }
    }

    /**
     * Loomlet's own code inside {@code t}'s continuation failed outside the body (while the fiber
     * died or yielded: a stack overflow, no memory). It cannot be resumed: bury it, hand the error
     * to whoever gets its outcome, and go on scheduling ({@code next}, if the burial named one).
     */
    private void buryAfterFailure(Fiber t, Throwable e) {
        current = hubFiber;
        next = null;
        try {
            if (t.isRunning() || t.isDead()) {
                fiberDied(t, null, e);
            } else {
                hub.reportError(t.name() + " failed inside Loomlet while it yielded", e);
            }
        } catch (Throwable again) {
            Errors.lastResort();
        }
    }

    /**
     * Runs inside a dying fiber's continuation (or for a buried one): marks it dead and picks who
     * receives its outcome, greenlet-style.
     */
    void fiberDied(Fiber f, Object result, Throwable error) {
        f.die(error);
        Fiber p = f.heir();
        if (p.isBlocked() || p.kind == Fiber.VIRTUAL || (p == hubFiber && hubFiberWaiting == 0)) {
            // The heir is blocked in a wait (or is the loop itself, or a virtual thread, which is no
            // continuation of ours): it cannot take a greenlet-style
            // result, so the hub gets control, and a failure is reported rather than lost.
            if (error != null && !f.ownsItsOutcome()) {
                hub.reportError(f.name() + " died with an exception and its parent " + p.name()
                        + " could not receive it", error);
            }
            next = hubFiber;
            return;
        }
        p.inValue = result;
        p.inThrow = error;
        next = p;
    }

    // ---------------------------------------------------------------------------------------------
    // The loop

    /** Returns the next fiber to run, running callbacks and the loop's phases until there is one. */
    private Fiber nextToRun(Fiber waiter) {
        current = hubFiber;
        for (;;) {
            while (batch > 0) {
                batch--;
                Object e = ready.pollFirst();
                if (e == null) {
                    batch = 0;
                } else if (e instanceof Fiber f) {
                    if (f.isRunnable()) {
                        return f;
                    }
                } else if (!(e instanceof Handle h)) {
                    if (isolating > 0) {
                        deferred.addLast(e); // mounted here, it would take the pinned fiber's monitors too
                    } else {
                        VirtualThreadScheduler.run(this, (Runnable) e);
                    }
                } else {
                    try {
                        runCallback(h);
                    } catch (Throwable notRun) {
                        // runCallback fences the callback itself, so only a failure to enter it
                        // (a stack overflow at the call) gets here: the callback has not run.
                        ready.addFirst(e);
                        batch++;
                        throw notRun;
                    }
                }
            }
            fireDueTimers();
            Fiber woken = poll(waiter);
            if (woken != null) {
                return woken;
            }
            drainInbox();
            batch = ready.size();
        }
    }

    private void runCallback(Handle h) {
        try {
            h.run();
        } catch (Throwable t) {
            try {
                hub.reportError("callback", h, t);
            } catch (Throwable again) {
                Errors.lastResort(); // never let the callback escape as if it had not run
            }
        } finally {
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
                hub.reportError("timer", n, t);
            }
        }
    }

    /**
     * Phase: wait for I/O, a due timer or a cross-thread wake; not at all when work is ready. With
     * channels waited on this is a Selector select; otherwise the thread parks, which needs no file
     * descriptor. Returns a fiber to resume at once (a waiter given LoopExit), or null.
     */
    private Fiber poll(Fiber waiter) {
        boolean work = !ready.isEmpty() || !inbox.isEmpty();
        if (!work && thread.isInterrupted()) {
            // Parking or selecting would return at once, again and again: end the wait that holds
            // the thread instead, as Thread.sleep would (the interrupt status stays set).
            return HopelessWait.interrupted(hub, waiter);
        }
        long wait = work ? 0 : nanosToNextTimer();
        if (ioParks > 0) {
            reactor.select(wait, inbox);
            return null;
        }
        if (work) {
            return null;
        }
        if (wait < 0 && otherThreadParks == 0 && !hub.schedulesVirtualThreads) {
            // Nothing ready, no timer, no I/O, and no park declared as ended by another thread:
            // nothing can ever end this wait. (A hub that schedules virtual threads cannot know:
            // the JDK wakes them from its own timer and monitor threads, so it waits, as a thread would.)
            return HopelessWait.loopExit(hub, waiter, isolating > 0 ? deferred.size() : -1);
        }
        inbox.park(wait);
        return null;
    }

    /** Nanoseconds until the first timer (0 if due), or -1 with no timer. */
    private long nanosToNextTimer() {
        TimerNode first = timers.peek();
        // -1 only when there is no timer at all. A timer that came due since fireDueTimers gives a
        // negative difference, which must mean "do not wait", not "wait forever".
        return first == null ? -1 : Math.max(0, first.deadline() - System.nanoTime());
    }

    /** Phase: run what other threads sent. */
    private void drainInbox() {
        for (int n = 0; n < INBOX_BATCH; n++) {
            Runnable r = inbox.poll();
            if (r == null) {
                return;
            }
            try {
                r.run();
            } catch (Throwable t) {
                hub.reportError("cross-thread callback", r, t);
            } finally {
                current = hubFiber;
            }
        }
    }

    /** Drops what is queued (the hub is closing); returns the timers that were still armed. */
    TimerNode[] clear() {
        for (ArrayDeque<Object> q : List.of(ready, deferred)) {
            for (Object e : q) {
                if (!(e instanceof Fiber) && !(e instanceof Handle)) {
                    LastResortCarrier.execute((Runnable) e); // a virtual thread must never be stranded
                }
            }
        }
        ready.clear();
        deferred.clear();
        batch = 0;
        return timers.clear();
    }
}
