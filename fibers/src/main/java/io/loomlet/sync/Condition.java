package io.loomlet.sync;

import io.loomlet.Fiber;
import io.loomlet.Park;
import io.loomlet.SharedParkingLot;
import io.loomlet.internal.Deadlines;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A condition variable bound to a {@link Lock} (or {@link RLock}): Python's
 * {@code threading.Condition}, which gevent's monkey patch makes cooperative, with Java's names
 * ({@code await}/{@code signal}/{@code signalAll} for {@code wait}/{@code notify}/{@code notify_all}).
 *
 * <pre>{@code
 * try (var held = lock.hold()) {
 *     while (queue.isEmpty()) {
 *         notEmpty.await();           // lets go of the lock while it waits, holds it again on return
 *     }
 *     return queue.poll();
 * }
 * }</pre>
 *
 * <p>{@link #await} must be called holding the lock: it joins the waiters, lets go of the lock
 * (all the holds of an RLock), parks, and takes the lock again before it returns, however it
 * returns (signalled, timed out, or cancelled: a kill or a {@code Timeout} is raised once the lock is
 * held again). {@link #signal} wakes the longest waiter and {@link #signalAll} every one; both must
 * be called holding the lock, so a signal can never fall between a waiter's check of its predicate
 * and its wait. Waiters are served first come first served; a waiter cancelled after it was
 * signalled passes the signal on to the next one, so no signal is lost to a fiber that will not use
 * it. As with threading, a woken waiter should check its predicate again ({@link #awaitUntil}
 * does).
 *
 * <p>Thread-safe, as its lock: waiters and signallers may be fibers of any hub, a hub's virtual
 * threads or plain threads.
 */
public final class Condition {
    private final Lock lock;
    private final SharedParkingLot waiters = new SharedParkingLot("Condition");
    /** A waiter cancelled after it was signalled: the signal goes to the next one. */
    private final Consumer<Object> passOn = signal -> waiters.unparkOne(Boolean.TRUE);

    /**
     * A condition of {@code lock}.
     *
     * @throws NullPointerException if {@code lock} is null
     */
    public Condition(Lock lock) {
        this.lock = Objects.requireNonNull(lock, "lock");
    }

    /** The lock this condition is bound to. */
    public Lock lock() {
        return lock;
    }

    /**
     * Lets go of the lock and waits for a {@link #signal} or {@link #signalAll}; holds the lock
     * again when it returns.
     *
     * @throws IllegalStateException if the current fiber does not hold the lock
     */
    public void await() {
        checkHeld("await");
        awaitSignal(Park.NO_DEADLINE);
    }

    /**
     * As {@link #await()}, for at most {@code timeout} (null: no limit); returns false if the time
     * passed without a signal. The lock is held again either way.
     *
     * @throws IllegalStateException if the current fiber does not hold the lock
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public boolean await(Duration timeout) {
        checkHeld("await");
        return awaitSignal(Deadlines.of(timeout, "Condition.await"));
    }

    /**
     * Waits until {@code predicate} holds, checking it under the lock first and after every wake
     * (threading's {@code wait_for}), for at most {@code timeout} (null: no limit). Returns the
     * predicate's last value: false only if the time passed first.
     *
     * @throws IllegalStateException if the current fiber does not hold the lock
     * @throws NullPointerException if {@code predicate} is null
     */
    public boolean awaitUntil(BooleanSupplier predicate, Duration timeout) {
        Objects.requireNonNull(predicate, "predicate");
        checkHeld("awaitUntil");
        long deadline = Deadlines.of(timeout, "Condition.awaitUntil");
        boolean ok = predicate.getAsBoolean();
        while (!ok) {
            if (deadline != Park.NO_DEADLINE && deadline - System.nanoTime() <= 0) {
                return false;
            }
            awaitSignal(deadline);
            ok = predicate.getAsBoolean();
        }
        return true;
    }

    /** Joins the waiters, lets go of the lock once listed, parks, and takes the lock back. */
    private boolean awaitSignal(long deadline) {
        int holds = lock.holdsToRestore();
        Object r;
        try {
            // Listed before the lock is let go: the next holder's signal finds this waiter.
            r = waiters.park(deadline, lock.wake(), passOn, lock::handOff);
        } finally {
            lock.reacquire(holds);
        }
        return r != Park.TIMED_OUT;
    }

    /**
     * Wakes the longest waiter, if any.
     *
     * @throws IllegalStateException if the current fiber does not hold the lock
     */
    public void signal() {
        checkHeld("signal");
        waiters.unparkOne(Boolean.TRUE);
    }

    /**
     * Wakes every waiter; they take the lock in turn.
     *
     * @throws IllegalStateException if the current fiber does not hold the lock
     */
    public void signalAll() {
        checkHeld("signalAll");
        waiters.unparkAll(Boolean.TRUE);
    }

    /** Fibers waiting now. */
    public int waiters() {
        return waiters.waiters();
    }

    private void checkHeld(String what) {
        Fiber me = Fiber.current();
        if (lock.owner() != me) {
            throw new IllegalStateException("Condition." + what + ": " + me + " does not hold " + lock
                    + " (call it holding the condition's lock)");
        }
    }

    @Override
    public String toString() {
        return "Condition[" + lock + ", waiters " + waiters.waiters() + "]";
    }
}
