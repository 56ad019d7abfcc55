package io.loomlet.sync;

import io.loomlet.Fiber;
import io.loomlet.Park;
import io.loomlet.ParkingLot;
import io.loomlet.internal.Deadlines;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * A mutual-exclusion lock owned by a fiber: use it, not {@code synchronized} or
 * {@code ReentrantLock}, around code that blocks. All fibers of a hub share one thread, so a
 * {@code synchronized} block that parks inside hangs the thread when another fiber enters it, and a
 * {@code ReentrantLock} lets the second fiber straight in. Not re-entrant (see {@link RLock});
 * FIFO; released straight to the next waiter.
 *
 * <pre>{@code
 * try (var held = lock.hold()) {
 *     out.write(...);   // may block; other fibers wait for the lock
 * }
 * }</pre>
 *
 * <p>Confinement: fibers of one hub (see {@link ParkingLot}).
 */
public class Lock {
    Fiber owner;
    final ParkingLot lot;
    private final Consumer<Object> abandon = grant -> handOff();

    public Lock() {
        this("Lock");
    }

    Lock(String name) {
        this.lot = new ParkingLot(name);
    }

    /** Releases the lock when closed. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /** Acquires the lock, waiting as long as it takes. */
    public void acquire() {
        acquire(null);
    }

    /** Acquires the lock, waiting at most {@code timeout} (null: no limit); returns whether it did. */
    public boolean acquire(Duration timeout) {
        Deadlines.check(timeout, "Lock.acquire");
        Fiber me = Fiber.current();
        if (owner == null) {
            owner = me;
            return true;
        }
        if (owner == me) {
            throw new IllegalStateException(me + " already holds this Lock; it is not re-entrant (use RLock)");
        }
        return lot.park(Deadlines.of(timeout, "Lock.acquire"), abandon) != Park.TIMED_OUT;
    }

    /** Acquires if free now. */
    public boolean tryAcquire() {
        if (owner == null) {
            owner = Fiber.current();
            return true;
        }
        return false;
    }

    /** Acquires and returns a handle whose close() releases: for try-with-resources. */
    public Held hold() {
        acquire();
        return this::release;
    }

    /**
     * Releases the lock, handing it to the longest waiter.
     *
     * @throws IllegalStateException if the current fiber does not hold it
     */
    public void release() {
        Fiber me = Fiber.current();
        if (owner != me) {
            throw new IllegalStateException(me + " cannot release a Lock held by " + (owner == null ? "nobody" : owner));
        }
        handOff();
    }

    void handOff() {
        owner = lot.unparkOne(Grant.PERMIT);
    }

    public boolean isLocked() {
        return owner != null;
    }

    /** The fiber holding the lock, or null. */
    public Fiber owner() {
        return owner;
    }

    public int waiters() {
        return lot.waiters();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + (owner == null ? "free" : "held by " + owner.name()) + ", waiters " + lot.waiters() + "]";
    }
}
