package io.loomlet.sync;

import io.loomlet.FiberTimeoutException;
import io.loomlet.Park;
import io.loomlet.Waitable;
import io.loomlet.internal.Deadlines;
import java.time.Duration;

/**
 * Counting semaphore for fibers: gevent's {@code Semaphore}. Waiters are served first-in
 * first-out, and {@link #release()} hands the permit straight to the longest waiter, so a fiber that
 * arrives later cannot overtake it. A waiter that is killed or times out after it was handed a
 * permit passes it on; permits are never lost.
 *
 * <p>Thread-safe (as gevent's since 21): fibers of any hub, a hub's virtual threads and plain
 * threads may acquire and release the same semaphore. A waiter of another hub is woken through
 * that hub's inbox; a plain thread that waits runs its own hub meanwhile. Since anyone may release
 * it, from any thread, a wait on a semaphore is never taken for a {@link io.loomlet.LoopExit} (as a
 * wait on an {@link Event} is not). While only one thread has used it (the fibers of one hub),
 * acquire and release without waiters are plain reads and writes (biased to that thread, see
 * {@code Biased}; it needs {@code --enable-native-access=ALL-UNNAMED}); once
 * another thread has used it, or without native access, one compare-and-set each. Neither takes a
 * monitor.
 *
 * <p>Hold a permit around a block with {@link #hold()} (see {@link Held}). As a {@link Waitable}
 * ({@link io.loomlet.Fibers#iwait}) it is ready while a permit is free; waiting for it takes none.
 */
public class Semaphore extends Permits implements Waitable {
    /** A semaphore with one permit (gevent's default). */
    public Semaphore() {
        this(1);
    }

    /**
     * A semaphore with {@code permits} free permits.
     *
     * @throws IllegalArgumentException if {@code permits} is negative (or above 2^30 - 1)
     */
    public Semaphore(int permits) {
        this(permits, "Semaphore");
    }

    Semaphore(int permits, String name) {
        super(permits, name);
    }

    Semaphore(int permits, String name, int bound) {
        super(permits, name, bound);
    }

    /** Takes a permit, waiting as long as it takes. */
    public void acquire() {
        acquire(null);
    }

    /** Takes a permit, waiting at most {@code timeout} (null: no limit); returns whether it got one. */
    public boolean acquire(Duration timeout) {
        Deadlines.check(timeout, "Semaphore.acquire");
        if (tryTake()) {
            return true;
        }
        return take(Deadlines.of(timeout, "Semaphore.acquire"), Park.Wake.OTHER_THREAD);
    }

    /** Takes a permit if one is free now. */
    public boolean tryAcquire() {
        return tryTake();
    }

    /** Returns a permit: to the longest waiter if there is one. From any thread. */
    public void release() {
        give();
    }

    /** Takes a permit, waiting as long as it takes, and returns the {@link Held} whose close releases it. */
    public Held hold() {
        acquire(null);
        return new HeldOnce(this::release);
    }

    /**
     * As {@link #hold()}, waiting at most {@code timeout} (null: no limit).
     *
     * @throws FiberTimeoutException if no permit came within {@code timeout}
     */
    public Held hold(Duration timeout) {
        if (!acquire(timeout)) {
            throw new FiberTimeoutException(null, timeout, getClass().getSimpleName() + ".hold: no permit");
        }
        return new HeldOnce(this::release);
    }

    /** True while a permit is free (gevent's {@code ready()}). */
    @Override
    public boolean isReady() {
        return freePermits() > 0;
    }

    /** Low-level ({@link Waitable}): {@code w} is told when a release leaves a permit free. */
    @Override
    public boolean watch(Waitable.Watcher w) {
        own(); // a watcher of another thread revokes the bias: a release must then see it
        return lot.watch(this, w);
    }

    @Override
    public void unwatch(Waitable.Watcher w) {
        lot.unwatch(w);
    }

    @Override
    void permitFreed() {
        lot.notifyWatchers(this);
    }

    /** Free permits now (a snapshot from another thread). */
    public int availablePermits() {
        return freePermits();
    }

    /** True when no permit is free. */
    public boolean isLocked() {
        return freePermits() == 0;
    }

    /** Fibers waiting now. */
    public int waiters() {
        return lot.waiters();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[permits " + freePermits() + ", waiters " + lot.waiters() + "]";
    }
}
