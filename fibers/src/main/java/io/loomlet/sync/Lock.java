package io.loomlet.sync;

import io.loomlet.Fiber;
import io.loomlet.FiberTimeoutException;
import io.loomlet.Hub;
import io.loomlet.Park;
import io.loomlet.internal.Deadlines;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;

/**
 * A mutual-exclusion lock owned by a fiber: use it, not {@code synchronized} or
 * {@code ReentrantLock}, around code that blocks. All fibers of a hub share one thread, so a
 * {@code synchronized} block that parks inside hangs the thread when another fiber enters it, and a
 * {@code ReentrantLock} lets the second fiber straight in. Not re-entrant (see {@link RLock});
 * FIFO; released straight to the next waiter. Hold it around a block with {@link #hold()}:
 *
 * <pre>{@code
 * try (var held = lock.hold()) {
 *     out.write(...);   // may block; other fibers wait for the lock
 * }
 * }</pre>
 *
 * <p>Thread-safe: fibers of any hub, a hub's virtual threads and plain threads may share it (the
 * owner is the fiber that acquired it: a plain thread's is its root fiber); a waiter of another hub
 * is woken through that hub's inbox. A wait on a lock that only one hub has ever used is ended by
 * that hub alone, so when nothing there can end it, it raises {@link io.loomlet.LoopExit} as in
 * gevent; once a second hub or thread has used the lock, its releases may come from there, and its
 * waits are not taken for a LoopExit.
 *
 * <p>Cost: while only one thread has used the lock (the fibers of one hub), acquire and release
 * without waiters are plain reads and writes, biased to that thread as a hub-confined lock would be
 * (see {@code Biased}; it needs {@code --enable-native-access=ALL-UNNAMED}); once
 * another thread has used it, or without native access, they are one compare-and-set each, as in
 * {@code ReentrantLock}. Neither takes a monitor.
 */
public class Lock extends Permits {
    private static final VarHandle HOME;

    static {
        try {
            HOME = MethodHandles.lookup().findVarHandle(Lock.class, "home", Hub.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The fiber holding the lock; null when free, and for a moment while it is handed to a waiter.
     * A plain field, so that the uncontended path costs no store fence: it is written by the fiber
     * that has just taken the lock (after the state's compare-and-set) or is giving it up (before
     * it), and the checks that matter compare it with the current fiber, which always sees its own
     * latest write; other threads read it as a snapshot (owner(), toString()).
     */
    Fiber owner;
    /** The first hub that used the lock. */
    private volatile Hub home;
    /** Set once a second hub (or a plain thread, with a hub of its own) has used it. */
    private volatile boolean shared;

    public Lock() {
        this("Lock");
    }

    Lock(String name) {
        super(1, name);
    }

    /** Acquires the lock, waiting as long as it takes. */
    public void acquire() {
        acquire(null);
    }

    /**
     * Acquires the lock, waiting at most {@code timeout} (null: no limit); returns whether it did.
     *
     * @throws IllegalStateException if the current fiber holds it already (it is not re-entrant)
     */
    public boolean acquire(Duration timeout) {
        Deadlines.check(timeout, "Lock.acquire");
        Fiber me = Fiber.current();
        noteUser(me);
        if (tryTake()) {
            owner = me;
            return true;
        }
        if (owner == me) {
            throw new IllegalStateException(me + " already holds this " + getClass().getSimpleName()
                    + "; it is not re-entrant (use RLock)");
        }
        if (take(Deadlines.of(timeout, "Lock.acquire"), wake())) {
            owner = me;
            return true;
        }
        return false;
    }

    /** Acquires if free now. */
    public boolean tryAcquire() {
        Fiber me = Fiber.current();
        noteUser(me);
        if (tryTake()) {
            owner = me;
            return true;
        }
        return false;
    }

    /** Acquires, waiting as long as it takes, and returns the {@link Held} whose close releases it. */
    public Held hold() {
        acquire(null);
        return new HeldOnce(this::release);
    }

    /**
     * As {@link #hold()}, waiting at most {@code timeout} (null: no limit).
     *
     * @throws FiberTimeoutException if the lock was not acquired within {@code timeout}
     */
    public Held hold(Duration timeout) {
        if (!acquire(timeout)) {
            throw new FiberTimeoutException(null, timeout, getClass().getSimpleName() + ".hold: still held by " + owner);
        }
        return new HeldOnce(this::release);
    }

    /**
     * Releases the lock, handing it to the longest waiter.
     *
     * @throws IllegalStateException if the current fiber does not hold it
     */
    public void release() {
        Fiber me = Fiber.current();
        if (owner != me) {
            throw notOwner(me);
        }
        handOff();
    }

    final IllegalStateException notOwner(Fiber me) {
        Fiber o = owner;
        return new IllegalStateException(me + " cannot release a " + getClass().getSimpleName() + " held by "
                + (o != null ? o : isLocked() ? "another fiber" : "nobody"));
    }

    /** Lets go without the owner check: to the longest waiter, or free. */
    void handOff() {
        owner = null;
        give();
    }

    /** For Condition: how many holds {@link #handOff} lets go of (an RLock's count). Owner only. */
    int holdsToRestore() {
        return 1;
    }

    /** For Condition: takes the lock back, waiting as long as it takes, with {@code holds} holds. */
    void reacquire(int holds) {
        acquire(null);
    }

    /**
     * Who may end a wait on this lock: its holders release it, and all of them so far were fibers of
     * one hub, or not (see the class documentation).
     */
    final Park.Wake wake() {
        return shared ? Park.Wake.OTHER_THREAD : Park.Wake.SAME_HUB;
    }

    /**
     * Remembers the first hub that used the lock, and marks it shared when another one does. Done
     * before the acquire, so a waiter that finds the lock held also finds its holder's hub counted.
     */
    private void noteUser(Fiber me) {
        Hub h = me.hub();
        Hub first = home;
        if (first != h && !shared) {
            if (first != null || !HOME.compareAndSet(this, null, h)) {
                if (home != h) {
                    shared = true;
                }
            }
        }
    }

    public boolean isLocked() {
        return freePermits() == 0;
    }

    /** The fiber holding the lock, or null (also for a moment while it is handed to a waiter). */
    public Fiber owner() {
        return owner;
    }

    /** Fibers waiting now. */
    public int waiters() {
        return lot.waiters();
    }

    @Override
    public String toString() {
        Fiber o = owner;
        String held = o != null ? "held by " + o.name() : isLocked() ? "held" : "free";
        return getClass().getSimpleName() + "[" + held + ", waiters " + lot.waiters() + "]";
    }
}
