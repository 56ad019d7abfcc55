package io.loomlet;

import io.loomlet.internal.Errors;

/**
 * {@link Fiber}'s state machine and every transition of it: the states and their one checked write,
 * mount and switch, park and wake, cancel and kill, death, with the fields these need (the transfer
 * slot, parking, the wait-list links). Split out of {@link Fiber} only so that each file holds one
 * idea, as {@code BaseVirtualThread} is for {@code VirtualThread}: {@link Fiber}, its one subclass,
 * is the greenlet-facing API (the body, the parent chain, names, stacks).
 *
 * <p>Sealed, so {@code (Fiber) this} cannot fail: the scheduler, waiters and observers take a
 * {@link Fiber}, and these methods hand them this one. A fiber is its own park-deadline timer node,
 * hence {@link TimerNode} here ({@link #fire}).
 */
abstract sealed class Strand extends TimerNode permits Fiber {
    /*
     * Fiber state and transitions. Only the methods below write it, each through setState or
     * transition, which check the state they leave. Confined to the hub's thread: wakes from other
     * threads travel through the hub's inbox. The watchdog and Task.isStarted read it from other
     * threads for reports only (a stale value there is harmless: see Watchdog.report).
     *
     *       NEW -> RUNNING     mount: the trampoline runs it for the first time (switchTo, a spawn)
     *       NEW -> DEAD        die: killed or thrown into before it ever ran (its body never runs)
     *   RUNNING -> SUSPENDED   suspend: it switched to another fiber (greenlet switch); any switch resumes it
     *   RUNNING -> PARKED      park: it blocked; only its waker, its deadline or a cancel may resume it
     *   RUNNING -> RUNNABLE    yieldNow: sleep(0) queued it behind the fibers ready now
     *    PARKED -> RUNNABLE    unpark / fire (deadline) / cancel (kill, Timeout, LoopExit): queued with a
     *                          value or an exception, after the waiter's abort ran (not for unpark)
     * SUSPENDED -> RUNNING     mount: switched to
     *  RUNNABLE -> RUNNING     mount: the scheduler picked it
     *   RUNNING -> DEAD        die: its body returned or threw
     * PARKED/RUNNABLE/SUSPENDED -> RUNNING   recover: an error escaped the loop before it resumed
     *                          this fiber (the error is raised in it; see Scheduler.switchAway)
     *
     * The order makes "state >= DEAD" mean finished.
     */
    static final int NEW = 0;
    static final int RUNNING = 1;
    static final int SUSPENDED = 2;
    static final int PARKED = 3;
    static final int RUNNABLE = 4;
    static final int DEAD = 5;

    /** Indexed by state; {@link Fiber#stateName} shows them. */
    static final String[] STATE_NAMES = {"new", "running", "suspended", "parked", "runnable", "dead"};

    final Scheduler sched;
    final byte kind; // Fiber.USER, ROOT, HUB or VIRTUAL
    private byte state; // a byte, not an int: it packs with Fiber's two booleans (4 bytes less per fiber)

    // Transfer slot: what the next resume of this fiber receives (a value, or an exception to raise).
    Object inValue;
    Throwable inThrow;

    // Parking (see Park). parkSeq tells a stale cross-thread wake from a current one.
    int parkSeq;
    Object blocker;
    private Park.Abort abort;

    // Intrusive FIFO links of the ParkingLot or SharedParkingLot this fiber waits in (null: none):
    // waiting allocates nothing. In a SharedParkingLot they are read and written under its monitor.
    Object lot;
    Fiber lotPrev;
    Fiber lotNext;
    /** What ParkingLot.unparkOne handed this fiber; given back through onAbandon if it is cancelled. */
    Object lotGrant;

    /** The name, FiberLocal values and pending Timeout of the few fibers that have them; else null. */
    FiberExtras extras;

    /** {@code state} is where the fiber enters the table: NEW for a user fiber, RUNNING for root and hub. */
    Strand(Scheduler sched, byte kind, int state) {
        this.sched = sched;
        this.kind = kind;
        this.state = (byte) state;
    }

    /** The state, for Fiber's queries; only the methods below write it. */
    final int state() {
        return state;
    }

    final boolean isRunnable() {
        return state == RUNNABLE || state == NEW;
    }

    /** Parked or woken but not yet resumed: only its waker, deadline or a cancel may move it. */
    final boolean isBlocked() {
        return state == PARKED || state == RUNNABLE;
    }

    final boolean isNew() {
        return state == NEW;
    }

    final boolean isRunning() {
        return state == RUNNING;
    }

    /*
     * The one checked write of the state. Checked with assert, as VirtualThread checks its own: the
     * test suites run with -ea, so every transition the tests make is checked; in production a
     * transition is one store (a checked one cost about 10% of a sleep(0) round trip).
     */
    private void setState(int expected, int next) {
        assert state == expected : badTransition(next);
        state = (byte) next;
    }

    /** As {@link #setState}, from any state in {@code fromMask} (bit {@code 1 << state}). */
    private void transition(int fromMask, int next) {
        assert ((1 << state) & fromMask) != 0 : badTransition(next);
        state = (byte) next;
    }

    private String badTransition(int next) {
        return "internal error: " + ((Fiber) this).name() + " cannot go from " + STATE_NAMES[state] + " to "
                + STATE_NAMES[next];
    }

    /** The trampoline is about to run (or resume on this stack) this fiber. */
    final void mount() {
        transition(1 << NEW | 1 << SUSPENDED | 1 << RUNNABLE, RUNNING);
    }

    /** RUNNING -> SUSPENDED: this fiber, the current one, switches to {@code target} greenlet-style. */
    final Object switchTo(Fiber target, Object value, Throwable thrown) {
        target.inValue = value;
        target.inThrow = thrown;
        if (state != RUNNING) {
            recover(); // left stale by an error that struck where nothing could undo it (see recover)
        }
        try {
            setState(RUNNING, SUSPENDED);
            return sched.switchAway((Fiber) this, target);
        } finally {
            if (state != RUNNING) {
                state = RUNNING; // recovery (see recover): one plain write, no call; nothing else to undo
            }
        }
    }

    /** Throws unless the current fiber (this) may block: not a hub callback, hub open, right thread. */
    final void checkCanBlock(Object blocker) {
        // One test on the common path, the cases sorted out of line: every blocking call inlines this,
        // and Fibers.sleep's compiled code must stay small enough for C2 to inline it into its callers
        // (#8: a root's sleep(0) was 2 ns slower as a call).
        Scheduler s = sched;
        FiberExtras x = extras;
        if (Thread.currentThread() != s.thread | kind == Fiber.HUB | state != RUNNING | s.hub.isClosed()
                | (x != null && x.pendingThrow != null)) {
            checkCanBlockSlowly(blocker);
        }
    }

    private void checkCanBlockSlowly(Object blocker) {
        Hub h = sched.hub;
        if (Thread.currentThread() != sched.thread) {
            h.checkOwner("block"); // throws, with the message
        }
        if (kind == Fiber.HUB) {
            throw blockingInCallback(blocker);
        }
        if (state != RUNNING) {
            recover(); // left stale by an error that struck where nothing could undo it (see recover)
        }
        h.checkOpen();
        if (extras != null) {
            extras.raisePending();
        }
    }

    private static IllegalStateException blockingInCallback(Object blocker) {
        return new IllegalStateException("blocking call (" + Errors.describe(blocker) + ") in a hub callback; "
                + "callbacks must not block: spawn a fiber for blocking work");
    }

    /** Park's contract lives on {@link Park}. */
    final Object park(Object blocker, long deadline, Park.Wake wake, Park.Abort abort) {
        checkCanBlock(blocker);
        assert this == sched.current && state == RUNNING;
        this.blocker = blocker;
        if (abort != null || this.abort != null) {
            this.abort = abort; // null over null (sleep, I/O) stores nothing: a store's GC barrier is code
        }
        if (deadline != Park.NO_DEADLINE) {
            // Armed by the loop, first thing once this fiber has switched away (Scheduler.armPending):
            // the heap's insertion, inlined here, made Fibers.sleep's compiled code too big for C2 to
            // inline sleep into its callers (#8: a 1 ns sleep measured 10-18 ns slower as a call).
            if (index != NOT_ARMED) {
                dropTimer(); // left by a park whose cleanup an error (a stack overflow) cut short
            }
            this.deadline = deadline;
            index = PENDING;
        }
        sched.countPark(wake, 1);
        // Locals live across the switch sit in every parked fiber's frozen stack: keep them to `wake`
        // (fields are read again afterwards; the observer, if it changed meanwhile, only misses one).
        // One exit and the failure path out of line, not a finally: javac copies a finally block to
        // every exit, and the copies made park's compiled code (inlined into Fibers.sleep) too big
        // for C2 to inline sleep into its callers (#8: a 1 ns sleep measured 18 ns slower).
        Object r;
        try {
            ParkObserver o = Scheduler.observer;
            if (o != null) {
                o.parking((Fiber) this);
            }
            setState(RUNNING, PARKED);
            r = kind == Fiber.USER ? sched.yieldTo((Fiber) this, sched.hubFiber) // not switchAway: see yieldTo
                    : kind == Fiber.VIRTUAL ? parkVirtual() : sched.switchAway((Fiber) this, sched.hubFiber);
        } catch (Throwable t) {
            parkFailed(wake);
            throw t;
        }
        afterPark(wake);
        return r;
    }

    /** The cleanup of a park that an error ended: an error struck before the switch, escaped the loop, or was thrown in. */
    private void parkFailed(Park.Wake wake) {
        if (state != RUNNING) {
            recover();
        }
        afterPark(wake);
    }

    /** A hub virtual thread's park (see {@link VirtualFiber#awaitWake}): back to RUNNING once woken. */
    private Object parkVirtual() {
        sched.armPending((Fiber) this); // no loop of ours runs between this park and the JDK's
        ((VirtualFiber) this).awaitWake();
        setState(RUNNABLE, RUNNING);
        sched.current = (Fiber) this;
        return takeResume();
    }

    /** Still parked: for {@link VirtualFiber#awaitWake}. */
    final boolean isParked() {
        return state == PARKED;
    }

    /** A park's cleanup, however it ended: counters, timer, blocker, park number, observer. */
    private void afterPark(Park.Wake wake) {
        Scheduler s = sched;
        s.countPark(wake, -1);
        if (index != NOT_ARMED) {
            dropTimer();
        }
        blocker = null;
        if (abort != null) {
            abort = null;
        }
        parkSeq++; // a waker that read the old number (cross-thread listeners do) is now stale
        ParkObserver o = Scheduler.observer;
        if (o != null) {
            o.resumed((Fiber) this);
        }
        assert this == s.current && state == RUNNING;
    }

    /** sleep(0): lets every fiber that is ready run once, then comes back. */
    final void yieldNow() {
        checkCanBlock(Blocker.YIELD);
        Scheduler s = sched;
        if (kind == Fiber.VIRTUAL) {
            Thread.yield(); // the JDK requeues the thread on this hub, behind what is ready now
            s.current = (Fiber) this;
            return;
        }
        blocker = Blocker.YIELD;
        inValue = null;
        inThrow = null;
        try {
            s.enqueue((Fiber) this);
            setState(RUNNING, RUNNABLE);
            s.switchAway((Fiber) this, s.hubFiber);
        } finally {
            if (state != RUNNING) {
                state = RUNNING; // recovery (see recover): one plain write, no call; nothing else to undo
            }
            blocker = null;
            parkSeq++;
            assert this == s.current && state == RUNNING;
        }
    }

    /** Wakes this fiber with {@code value} if it is parked; false otherwise (woken, timed out, cancelled). */
    final boolean unpark(Object value) {
        if (state != PARKED) {
            return false;
        }
        wake(value, null);
        return true;
    }

    /** {@link #unpark} if the park numbered {@code seq} is still the current one. */
    final void unparkIf(int seq, Object value) {
        if (parkSeq == seq) {
            unpark(value);
        }
    }

    private void wake(Object value, Throwable t) {
        if (kind == Fiber.VIRTUAL) {
            wakeVirtual(value, t);
            return;
        }
        // Queued first, then marked: should queueing fail (no memory, no stack), the fiber is still
        // parked and can be woken again, never runnable and lost.
        sched.enqueue((Fiber) this);
        setState(PARKED, RUNNABLE);
        inValue = value;
        inThrow = t;
        if (index != NOT_ARMED) {
            dropTimer();
        }
    }

    /**
     * Disarms this fiber's timer, or forgets a deadline its park left for the loop to arm. Callers
     * test {@code index != NOT_ARMED} first: one never-taken branch in park's compiled code, where
     * the two tests inlined from here cost 80 bytes more of it (see checkCanBlock).
     */
    private void dropTimer() {
        if (index >= 0) {
            sched.timers.remove(this);
        } else {
            index = NOT_ARMED;
        }
    }

    /** A hub virtual thread's wake: the JDK queues the thread on the hub (Scheduler.executeVirtual). */
    private void wakeVirtual(Object value, Throwable t) {
        setState(PARKED, RUNNABLE);
        inValue = value;
        inThrow = t;
        if (index != NOT_ARMED) {
            dropTimer();
        }
        java.util.concurrent.locks.LockSupport.unpark(((VirtualFiber) this).vthread);
    }

    /**
     * Resumes a parked or woken fiber by raising {@code t} in it (kill, Timeout, LoopExit, close); a
     * fiber already woken with a value gets the exception instead, and its waiter's own code passes
     * on what it was handed (see ParkingLot). False if the fiber is not blocked.
     */
    final boolean cancel(Throwable t) {
        if (state == PARKED) {
            runAbort();
            wake(null, t);
            return true;
        }
        if (state == RUNNABLE) {
            inValue = null;
            inThrow = t;
            return true;
        }
        return false;
    }

    /** The park deadline passed. */
    @Override
    final void fire() {
        if (state == PARKED) {
            runAbort();
            wake(Park.TIMED_OUT, null);
        }
    }

    private void runAbort() {
        Park.Abort a = abort;
        abort = null;
        if (a != null) {
            try {
                a.abort((Fiber) this);
            } catch (Throwable e) {
                sched.hub.reportError("the abort of a park failed", e);
            }
        }
    }

    /**
     * Raises {@code t} in this fiber at its current or next blocking point: the one kill path
     * (Task.kill, Group.kill, Hub.close). A new fiber dies without running; a blocked one is
     * cancelled; a suspended one is thrown into from a callback; the running one (killing itself)
     * raises at once.
     */
    final void kill(Throwable t) {
        switch (state) {
            case NEW -> die(t);
            case RUNNING -> {
                if (this == sched.current) {
                    throw Errors.sneaky(t); // killing itself
                }
            }
            case PARKED, RUNNABLE -> cancel(t);
            case SUSPENDED -> sched.hub.callSoon(() -> {
                if (state == SUSPENDED) {
                    ((Fiber) this).throwInto(t);
                }
            });
            default -> { }
        }
    }

    /**
     * Raises {@code t} now if the fiber is blocked, else at its next blocking point (a Timeout that
     * fires while its fiber runs plain code). True if it was raised now.
     */
    final boolean deliver(Throwable t) {
        if (cancel(t)) {
            return true;
        }
        FiberExtras.of(this).pendingThrow = t;
        return false;
    }

    /** Forgets {@code t} if it is still pending (its Timeout was closed before it was raised). */
    final void withdraw(Throwable t) {
        if (extras != null && extras.pendingThrow == t) {
            extras.pendingThrow = null;
        }
    }

    /*
     * Recovery: PARKED/RUNNABLE/SUSPENDED -> RUNNING when an error escapes the loop (or strikes before
     * the switch) before the loop resumed this fiber, which is the one running on this stack. The
     * error then propagates in it, and a stale entry of it in the ready queue is skipped (the loop
     * runs only runnable fibers). These are the only writes of the state outside setState, in the
     * finally blocks of yieldNow and switchTo (one plain write each: the stack may have just
     * overflowed, and a call made from the same frame could overflow again) and of park, which calls
     * recover() below: a parked fiber must also leave its wait list, and inlining that in park's
     * finally made every parked fiber's frozen stack about 50 bytes bigger (MemoryHarness
     * --histogram). A stack overflow usually strikes at the deepest call of the loop, well below
     * park's frame, so that call succeeds. When it strikes at a call park makes itself, the call in
     * the finally overflows too and the state stays stale: the fiber's next blocking call, which can
     * only be made by this running fiber, finds it so and recovers then (checkCanBlock, switchTo).
     */

    /**
     * Back to RUNNING after an error in a park (see above). Plain writes first, then the waiter's
     * abort (leave the wait list, so no waker picks a fiber that is not waiting), which may fail if
     * the stack is still too short: ParkingLot.park's own finally removes the fiber too.
     */
    private void recover() {
        boolean parked = state == PARKED;
        state = RUNNING;
        inValue = null;
        inThrow = null;
        if (parked) {
            try {
                runAbort();
            } catch (Throwable again) {
                // see above
            }
        }
    }

    /**
     * NEW or RUNNING -> DEAD: off the live list, locals dropped, then {@link #ended} once. Harmless
     * when already dead (an error inside a dying fiber brings it here twice).
     */
    final void die(Throwable error) {
        if (state == DEAD) {
            return;
        }
        transition(1 << NEW | 1 << RUNNING, DEAD);
        sched.hub.fibers.remove((Fiber) this);
        dropLocals();
        try {
            ended(error);
        } catch (Throwable e) {
            sched.hub.reportError("the end of " + ((Fiber) this).name() + " could not be recorded", e);
        }
    }

    /** This fiber's FiberLocal values go (it died, or its hub closed): their FiberLocals drop them. */
    final void dropLocals() {
        if (extras != null) {
            extras.dropLocals();
        }
    }

    /**
     * Called once when the fiber dies: {@code error} is what its body threw, or what killed it before
     * it started, or null. A task's fiber completes its task here if its body did not.
     */
    void ended(Throwable error) {
    }

    /** Reads and clears the transfer slot of the fiber that just resumed. */
    final Object takeResume() {
        Object v = inValue;
        Throwable t = inThrow;
        // Cleared only when set: most resumes carry nothing, and a reference store's GC barrier is
        // code in every blocking call that inlines this (see checkCanBlock).
        if (v != null) {
            inValue = null;
        }
        if (t != null) {
            inThrow = null;
            throw Errors.sneaky(t);
        }
        return v;
    }
}
