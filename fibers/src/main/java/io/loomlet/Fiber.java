package io.loomlet;

import io.loomlet.internal.Errors;
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
 *
 * <p>A fiber is its own park-deadline timer node (it extends the hub's timer node): arming the
 * deadline of a sleep or park allocates nothing. Its state machine, every transition of it, is the
 * package-private {@link Strand} it extends. Its public methods are final; the gevent layer's task
 * fiber extends it through package-private hooks ({@link #defaultName}, {@link Strand#ended}), so the
 * kernel never names the layer above it.
 */
public non-sealed class Fiber extends Strand {
    /** A fiber's code; {@code firstValue} is the value of the switch that started it. */
    @FunctionalInterface
    public interface Body {
        Object run(Object firstValue) throws Exception;
    }

    static final ContinuationScope SCOPE = new ContinuationScope("loomlet");

    /*
     * Kinds (Strand.kind): a user fiber, the root (the thread's own stack), the hub (callbacks run
     * "in" it), or a hub virtual thread's stand-in (VirtualFiber: what Loomlet's primitives park and
     * wake when called in one of the hub's virtual threads). Bytes, not an enum: they pack with the
     * state and the flags, a word of the fiber.
     */
    static final byte USER = 0;
    static final byte ROOT = 1;
    static final byte HUB = 2;
    static final byte VIRTUAL = 3;

    final FiberContinuation cont;
    private final Body body;
    private Fiber parent;
    /** True while a loop on this thread's stack below the running code owns this fiber (root, or a pinned fiber). */
    boolean onStack;
    /** Set once the continuation has been entered (so isStarted can tell a killed-before-start fiber). */
    private boolean contStarted;
    /** Slot in the hub's FiberList, or -1. */
    int liveIndex = -1;

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
        this(name, body, parent, true);
    }

    /**
     * The user fibers' constructor; a subclass that runs its own code ({@link #runBody}: a task's
     * fiber) has no body: no body object per task.
     */
    Fiber(String name, Body body, Fiber parent, boolean hasBody) {
        Hub hub = Hub.current();
        hub.checkOpen();
        super(hub.sched, USER, NEW);
        this.body = hasBody ? Objects.requireNonNull(body, "body") : null;
        this.cont = new FiberContinuation(this);
        Fiber p = parent == null ? sched.current() : parent;
        hub.checkSameThread(p, "set as parent");
        this.parent = p;
        if (name != null) {
            FiberExtras.of(this).name = name;
        }
        hub.fibers.add(this);
    }

    /** The root and hub fibers: no continuation; their code runs on the thread's own stack. */
    Fiber(Scheduler sched, byte kind) {
        super(sched, kind, RUNNING);
        this.body = null;
        this.cont = null;
        this.onStack = kind == ROOT;
    }

    /**
     * The fiber running now on this thread (the root fiber when no fiber runs; in a virtual thread a
     * hub schedules, the fiber that stands for that thread).
     */
    public static Fiber current() {
        return Hub.current().sched.current();
    }

    /** This thread's root fiber: the thread's own stack, greenlet's "main". */
    public static Fiber root() {
        return Hub.current().sched.root;
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
        return switchFromCurrent(this, value, null);
    }

    /**
     * Resumes this fiber by raising {@code t} at its suspension point (greenlet's {@code throw}).
     * A fiber that has not started dies without running; a {@link FiberExit} then goes to its
     * parent as a value and anything else is raised in the parent. A {@link FiberExit} thrown into a
     * dead fiber returns it at once, quietly (greenlet's {@code throw(GreenletExit)}).
     */
    public final Object throwInto(Throwable t) {
        return switchFromCurrent(this, null, Objects.requireNonNull(t, "throwable"));
    }

    /** Fiber.switchTo / throwInto: greenlet's switch rules, then the transfer. */
    private static Object switchFromCurrent(Fiber target, Object value, Throwable thrown) {
        Scheduler sched = target.sched;
        if (Thread.currentThread() != sched.thread) {
            throw wrongThreadSwitch(target);
        }
        sched.hub.checkOpen();
        if (thrown instanceof FiberExit && target.isDead()) {
            return thrown; // greenlet: throw(GreenletExit) into a dead greenlet returns quietly
        }
        Fiber self = sched.current;
        for (;;) {
            if (target.isDead()) {
                target = target.heir(); // greenlet: a switch to a dead fiber goes to its parent
            } else if (target.isNew() && thrown != null) {
                // greenlet: throwing into an unstarted fiber kills it without running it
                target.die(thrown);
                if (thrown instanceof FiberExit) {
                    value = thrown;
                    thrown = null;
                }
                target = target.heir();
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
        if (target.kind == Fiber.VIRTUAL) {
            throw new IllegalStateException("cannot switch to " + target + ": it stands for a virtual thread, "
                    + "which is no fiber; hand work over with a queue, an event or a task");
        }
        if (target.isBlocked()) {
            throw new IllegalStateException("cannot switch to " + target + ": it is blocked in "
                    + Errors.describe(target.blocker()) + " and only its waker, a kill or a Timeout may resume it");
        }
        return self.switchTo(target, value, thrown);
    }

    private static IllegalStateException wrongThreadSwitch(Fiber target) {
        if (Thread.currentThread().isVirtual() && target.sched.hub.isCurrentThread()) {
            return new IllegalStateException("cannot switch to " + target + " from virtual thread "
                    + Thread.currentThread().getName() + ": virtual threads are not fibers; hand work over with a "
                    + "queue, an event or a task");
        }
        return new IllegalStateException("cannot switch to " + target + " from thread "
                + Thread.currentThread().getName() + ": a fiber only runs on the thread that made it "
                + "(hand work across threads with HubGroup, AsyncResult or callSoonThreadsafe)");
    }

    /** True once the body has returned or thrown, or the fiber was killed before it started. */
    public final boolean isDead() {
        return state() >= DEAD;
    }

    /** True once the fiber has run (and stays true after it dies); root and hub are always started. */
    public final boolean isStarted() {
        return kind != USER || contStarted;
    }

    /** True for a thread's root fiber. */
    public final boolean isRoot() {
        return kind == ROOT;
    }

    /** True for the hub's own fiber, the one callbacks run in. */
    final boolean isHub() {
        return kind == HUB;
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
        sched.hub.checkSameThread(p, "set as parent");
        if (kind != USER) {
            throw new IllegalStateException("the root and hub fibers, and virtual threads, have no parent to change");
        }
        for (Fiber f = p; f != null; f = f.parent) {
            if (f == this) {
                throw new IllegalArgumentException("parent cycle: " + p + " descends from " + this);
            }
        }
        this.parent = p;
    }

    public final String name() {
        FiberExtras x = extras;
        if (x != null && x.name != null) {
            return x.name;
        }
        return switch (kind) {
            case ROOT -> "root";
            case HUB -> "hub";
            case USER -> defaultName();
            case VIRTUAL -> "virtual thread " + ((VirtualFiber) this).vthread.getName();
            default -> throw new AssertionError("kind " + kind);
        };
    }

    /** The name of an unnamed user fiber (a task's fiber shows its task's name). */
    String defaultName() {
        return "fiber-" + Integer.toHexString(System.identityHashCode(this));
    }

    /** What a fiber without a body runs (see the constructor): a task's fiber runs its task. */
    Object runBody(Object first) throws Exception {
        throw new AssertionError("a fiber without a body must override runBody");
    }

    /** True when {@link Strand#ended} hands a failure to someone who reports it (a task), so the hub need not. */
    boolean ownsItsOutcome() {
        return false;
    }

    public final void setName(String name) {
        if (name != null || extras != null) {
            FiberExtras.of(this).name = name;
        }
    }

    /** The thread this fiber belongs to. */
    public final Thread thread() {
        return sched.hub.thread;
    }

    /** The hub that schedules this fiber. */
    public final Hub hub() {
        return sched.hub;
    }

    /** A short state word: new, running, suspended, parked, runnable, dead. */
    public final String stateName() {
        return STATE_NAMES[state()];
    }

    /**
     * The stack of a suspended, parked or runnable fiber, empty for a new or dead one. Call it from
     * the fiber's own thread (a continuation may not be walked while another thread mounts it).
     */
    public final StackTraceElement[] stackTrace() {
        sched.hub.checkOwner("read a fiber's stack");
        if (this == sched.current) {
            return Thread.currentThread().getStackTrace();
        }
        if (cont == null || isNew() || isDead() || onStack) {
            return new StackTraceElement[0];
        }
        return cont.getStackTrace();
    }

    /** What the fiber is parked on (for dumps), or null. */
    final Object blocker() {
        return blocker;
    }

    @Override
    public String toString() {
        return "Fiber[" + name() + ", " + stateName() + ", thread " + sched.hub.thread.getName() + "]";
    }

    /**
     * Every user fiber's continuation entry: the body, then hand the outcome to the parent. One
     * shared object, where a bound method reference cost 16 bytes per fiber; a class, not a lambda,
     * whose body would be one more method, one more frame in every fiber parked before the JIT
     * compiled this path. The fiber is found, not kept: a value live across the body sits in every
     * parked fiber's frozen stack.
     */
    static final class Entry implements Runnable {
        @Override
        public void run() {
            Fiber f = running();
            f.mount();
            f.contStarted = true;
            Object result = null;
            Throwable error = null;
            try {
                Object first = f.takeResume();
                Body b = f.body;
                result = b != null ? b.run(first) : f.runBody(first); // not one more frame for a body
            } catch (FiberExit e) {
                result = e;
            } catch (Throwable e) {
                error = e;
            }
            f = running();
            f.sched.fiberDied(f, result, error);
        }

        /** The fiber whose continuation runs this code (the innermost of the scope). */
        private static Fiber running() {
            return ((FiberContinuation) Continuation.getCurrentContinuation(SCOPE)).fiber;
        }
    }

    /** The fiber that gets this one's outcome: its nearest live ancestor, or the root. */
    final Fiber heir() {
        Fiber p = parent;
        while (p != null && p.isDead()) {
            p = p.parent;
        }
        return p == null ? sched.root : p;
    }
}
