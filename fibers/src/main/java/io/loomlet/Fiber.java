package io.loomlet;

import io.loomlet.internal.Pinning;
import io.loomlet.internal.TimerNode;
import java.util.Objects;
import jdk.internal.vm.Continuation;
import jdk.internal.vm.ContinuationScope;

/**
 * A stackful coroutine that switches explicitly: greenlet's twin.
 *
 * <pre>{@code
 * Fiber[] gr = new Fiber[2];
 * gr[0] = new Fiber(v -> { System.out.println(1); gr[1].switchTo(); System.out.println(2); return gr[1].switchTo(); });
 * gr[1] = new Fiber(v -> { System.out.println(3); gr[0].switchTo(); System.out.println(4); return null; });
 * gr[0].switchTo();   // prints 1 3 2 4
 * }</pre>
 *
 * <p>Every thread has an implicit <em>root</em> fiber ({@link #root()}): the thread's own stack.
 * A fiber's parent defaults to the fiber that created it. When a fiber's body returns, its value is
 * switched to its parent; when it throws, the exception is raised in the parent; {@link FiberExit}
 * ends a fiber quietly (the parent receives the exception object as a value). A switch to a dead
 * fiber goes to its parent.
 *
 * <p>Fibers belong to the thread that created them: switching to a fiber of another thread throws
 * {@link IllegalStateException}. Every fiber of a thread is scheduled by that thread's {@link Hub}.
 * Most programs never switch by hand; they {@link Fibers#spawn spawn} tasks and block on sleeps,
 * sockets, locks and queues, which switch to the hub for them.
 */
public class Fiber {
    /** A fiber's code; {@code firstValue} is the value of the switch that started it. */
    @FunctionalInterface
    public interface Body {
        Object run(Object firstValue) throws Exception;
    }

    static final ContinuationScope SCOPE = new ContinuationScope("loomlet");

    /*
     * state is confined to the owner thread; no other thread reads or writes it (wakes from other
     * threads travel through the hub's inbox), so it needs no ordering.
     *
     * NEW       -> RUNNING     first switchTo / throwInto, or the hub starting a spawned task
     * NEW       -> DEAD        throwInto / kill before it ever ran (its body never runs)
     * RUNNING   -> SUSPENDED   it switched to another fiber (greenlet switch); any switch resumes it
     * RUNNING   -> PARKED      it blocked through Hub.park; only unpark (its waker, its deadline, a
     *                          kill or a Timeout) may resume it
     * RUNNING   -> READY       sleep(0): it queued itself behind the fibers already ready
     * PARKED    -> READY       unparked: queued on the hub with its wake value or exception
     * SUSPENDED/READY -> RUNNING
     * RUNNING   -> DEAD        its body returned or threw
     */
    static final int NEW = 0;
    static final int RUNNING = 1;
    static final int SUSPENDED = 2;
    static final int PARKED = 3;
    static final int READY = 4;
    static final int DEAD = 5;

    static final int KIND_USER = 0;
    static final int KIND_ROOT = 1;
    static final int KIND_HUB = 2;

    final Hub hub;
    final int kind;
    final Body body;
    final FiberContinuation cont;
    int state;
    Fiber parent;
    String name;

    // Transfer slot: what the next resume of this fiber receives (a value, or an exception to raise).
    Object inValue;
    Throwable inThrow;

    // Parking (see Hub.park). parkSeq tells a stale cross-thread wake from a current one.
    long parkSeq;
    Object blocker;
    final ParkTimer parkTimer = new ParkTimer(this);
    /** A Timeout that fired while this fiber was not parked: raised at its next blocking point. */
    Throwable pendingThrow;
    /** True while a loop on this thread's stack below the running code owns this fiber (root, or a pinned fiber). */
    boolean onStack;

    // Intrusive FIFO links of the ParkingLot this fiber waits in: waiting allocates nothing.
    ParkingLot lot;
    Fiber lotPrev;
    Fiber lotNext;
    /** What ParkingLot.unparkOne handed this fiber; given back through onAbandon if it is cancelled. */
    Object lotGrant;

    // Intrusive links of the hub's list of live fibers (for close() and dump()).
    Fiber allPrev;
    Fiber allNext;

    /** The task this fiber runs, or null for a plain fiber. */
    Task<?> task;
    /** FiberLocal values, indexed by FiberLocal id. */
    Object[] locals;
    /** Watchdog: monitors this fiber held when it last parked (only when monitor tracking is on). */
    String heldMonitors;

    /** Creates a fiber of the current thread whose parent is the current fiber. */
    public Fiber(Body body) {
        this(null, body, null);
    }

    /** Creates a named fiber of the current thread whose parent is the current fiber. */
    public Fiber(String name, Body body) {
        this(name, body, null);
    }

    /**
     * Creates a fiber of the current thread with the given parent (null: the current fiber).
     *
     * @throws IllegalStateException if the parent belongs to another thread
     */
    public Fiber(String name, Body body, Fiber parent) {
        this.hub = Hub.current();
        this.hub.checkOpen();
        this.kind = KIND_USER;
        this.body = Objects.requireNonNull(body, "body");
        this.cont = new FiberContinuation(this);
        Fiber p = parent == null ? hub.current : parent;
        hub.checkSameThread(p, "set as parent");
        this.parent = p;
        this.name = name;
        this.state = NEW;
        hub.register(this);
    }

    /** The root and hub fibers: no continuation; their code runs on the thread's own stack. */
    Fiber(Hub hub, int kind, String name) {
        this.hub = hub;
        this.kind = kind;
        this.body = null;
        this.cont = null;
        this.name = name;
        this.state = RUNNING;
        this.onStack = kind == KIND_ROOT;
    }

    /** The fiber running now on this thread (the root fiber when no fiber runs). */
    public static Fiber current() {
        return Hub.current().current;
    }

    /** This thread's root fiber: the thread's own stack, greenlet's "main". */
    public static Fiber root() {
        return Hub.current().root;
    }

    /**
     * Transfers control to this fiber, starting it if new, and returns the value that the next
     * switch back to the caller carries. Equivalent to {@code switchTo(null)}.
     */
    public final Object switchTo() {
        return switchTo(null);
    }

    /**
     * Transfers control and {@code value} to this fiber. If it is new, it starts and its body
     * receives {@code value}; if it is suspended in a switch, that switch returns {@code value}; if it
     * is dead, the switch goes to its parent. Returns when someone switches back to the caller,
     * with the value of that switch; raises what is thrown into the caller.
     *
     * @throws IllegalStateException if this fiber belongs to another thread, or is parked in a
     *     blocking call (only its waker may resume it), or its hub is closed
     */
    public final Object switchTo(Object value) {
        return hub.switchFromCurrent(this, value, null);
    }

    /**
     * Resumes this fiber by raising {@code t} at its suspension point (greenlet's {@code throw}).
     * A fiber that has not started dies without running; a {@link FiberExit} then goes to its
     * parent as a value and anything else is raised in the parent.
     */
    public final Object throwInto(Throwable t) {
        return hub.switchFromCurrent(this, null, Objects.requireNonNull(t, "throwable"));
    }

    /** True once the body has returned or thrown, or the fiber was killed before it started. */
    public final boolean isDead() {
        return state == DEAD;
    }

    /** True once the fiber has run (and stays true after it dies); root and hub are always started. */
    public final boolean isStarted() {
        return kind != KIND_USER || contStarted;
    }

    /** True for a thread's root fiber. */
    public final boolean isRoot() {
        return kind == KIND_ROOT;
    }

    /** True for the hub's own fiber: the one hub callbacks run in. */
    public final boolean isHub() {
        return kind == KIND_HUB;
    }

    /** The fiber that receives this one's result (the hub's fiber for spawned tasks; null for the root). */
    public final Fiber parent() {
        return parent;
    }

    /**
     * Changes the parent.
     *
     * @throws IllegalArgumentException if that would make a cycle
     * @throws IllegalStateException if {@code p} belongs to another thread
     */
    public final void setParent(Fiber p) {
        Objects.requireNonNull(p, "parent");
        hub.checkSameThread(p, "set as parent");
        if (kind != KIND_USER) {
            throw new IllegalStateException("the root and hub fibers have no parent to change");
        }
        for (Fiber f = p; f != null; f = f.parent) {
            if (f == this) {
                throw new IllegalArgumentException("parent cycle: " + p + " descends from " + this);
            }
        }
        this.parent = p;
    }

    public final String name() {
        if (name != null) {
            return name;
        }
        if (task != null) {
            return task.name();
        }
        return switch (kind) {
            case KIND_ROOT -> "root";
            case KIND_HUB -> "hub";
            default -> "fiber-" + Integer.toHexString(System.identityHashCode(this));
        };
    }

    public final void setName(String name) {
        this.name = name;
    }

    /** The thread this fiber belongs to. */
    public final Thread thread() {
        return hub.thread;
    }

    /** The hub that schedules this fiber. */
    public final Hub hub() {
        return hub;
    }

    /** The task this fiber runs, or null. */
    public final Task<?> task() {
        return task;
    }

    /** A short state word: new, running, suspended, parked, ready, dead. */
    public final String stateName() {
        return switch (state) {
            case NEW -> "new";
            case RUNNING -> "running";
            case SUSPENDED -> "suspended";
            case PARKED -> "parked";
            case READY -> "ready";
            default -> "dead";
        };
    }

    /**
     * The stack of a suspended, parked or ready fiber, empty for a new or dead one. Call it from the
     * fiber's own thread (a continuation may not be walked while another thread mounts it).
     */
    public final StackTraceElement[] stackTrace() {
        hub.checkOwner("read a fiber's stack");
        if (this == hub.current) {
            return Thread.currentThread().getStackTrace();
        }
        if (cont == null || state == NEW || state == DEAD || onStack) {
            return new StackTraceElement[0];
        }
        return cont.getStackTrace();
    }

    @Override
    public String toString() {
        return "Fiber[" + name() + ", " + stateName() + ", thread " + hub.thread.getName() + "]";
    }

    // ---------------------------------------------------------------------------------------------

    /** Set once the continuation has been entered (so isStarted can tell a killed-before-start fiber). */
    boolean contStarted;

    /** Runs inside the continuation: the body, then hand the outcome to the parent. */
    final void runInContinuation() {
        contStarted = true;
        Object result = null;
        Throwable error = null;
        try {
            Object first = hub.takeResume(this);
            result = body.run(first);
        } catch (FiberExit e) {
            result = e;
        } catch (Throwable e) {
            error = e;
        }
        hub.fiberDied(this, result, error);
    }

    /** The continuation of a user fiber; records pinning instead of throwing, so the hub can fall back. */
    static final class FiberContinuation extends Continuation {
        final Fiber fiber;
        Pinned pinned;

        FiberContinuation(Fiber fiber) {
            // A bound method reference costs 16 bytes per fiber. A shared static entry that found the
            // fiber through the hub was tried and cost more: its frame made every parked stack chunk
            // 20-30 bytes bigger (memory harness, --histogram).
            super(SCOPE, fiber::runInContinuation);
            this.fiber = fiber;
        }

        @Override
        protected void onPinned(Pinned reason) {
            // Continuation.yield will return false; Hub.yieldTo sees it and runs the hub on this stack.
            this.pinned = reason;
            Pinning.warnOnce(fiber.name(), reason.toString());
        }
    }

    /** The embedded deadline of this fiber's parks and sleeps: arming it allocates nothing. */
    static final class ParkTimer extends TimerNode {
        final Fiber fiber;

        ParkTimer(Fiber fiber) {
            this.fiber = fiber;
        }

        @Override
        public void fire() {
            fiber.hub.parkTimedOut(fiber);
        }
    }
}
