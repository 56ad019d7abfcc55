package io.loomlet.sync;

import io.loomlet.Park;
import io.loomlet.ParkingLot;
import io.loomlet.internal.Deadlines;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Counting semaphore for fibers: gevent's {@code Semaphore}. Waiters are served first-in
 * first-out, and {@link #release()} hands the permit straight to the longest waiter, so a fiber that
 * arrives later cannot overtake it. A waiter that is killed or times out after it was handed a
 * permit passes it on; permits are never lost.
 *
 * <p>Confinement: fibers of one hub (see {@link ParkingLot}).
 */
public class Semaphore {
    int permits;
    final ParkingLot lot;
    private final Consumer<Object> abandon = grant -> release();

    public Semaphore(int permits) {
        this(permits, "Semaphore");
    }

    Semaphore(int permits, String name) {
        if (permits < 0) {
            throw new IllegalArgumentException("permits must be >= 0: " + permits);
        }
        this.permits = permits;
        this.lot = new ParkingLot(name);
    }

    /** Takes a permit, waiting as long as it takes. */
    public void acquire() {
        acquire(null);
    }

    /** Takes a permit, waiting at most {@code timeout} (null: no limit); returns whether it got one. */
    public boolean acquire(Duration timeout) {
        Deadlines.check(timeout, "Semaphore.acquire");
        if (tryAcquire()) {
            return true;
        }
        return lot.park(Deadlines.of(timeout, "Semaphore.acquire"), abandon) != Park.TIMED_OUT;
    }

    /** Takes a permit if one is free now. */
    public boolean tryAcquire() {
        if (permits > 0) {
            permits--;
            return true;
        }
        return false;
    }

    /** Returns a permit: to the longest waiter if there is one. */
    public void release() {
        checkRelease();
        if (lot.unparkOne(Grant.PERMIT) == null) {
            permits++;
        }
    }

    void checkRelease() {
    }

    public int availablePermits() {
        return permits;
    }

    /** True when no permit is free. */
    public boolean isLocked() {
        return permits == 0;
    }

    public int waiters() {
        return lot.waiters();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[permits " + permits + ", waiters " + lot.waiters() + "]";
    }
}
