package io.loomlet.sync;

import io.loomlet.Fiber;
import java.time.Duration;

/**
 * A re-entrant {@link Lock}: the owning fiber may acquire it again, and must release it as many
 * times (gevent's {@code RLock}). Thread-safe, as {@link Lock}.
 */
public final class RLock extends Lock {
    /** Written only by the owner; read by others only as a snapshot. */
    private int count;

    public RLock() {
        super("RLock");
    }

    @Override
    public boolean acquire(Duration timeout) {
        if (owner == Fiber.current()) {
            count++;
            return true;
        }
        if (super.acquire(timeout)) {
            count = 1;
            return true;
        }
        return false;
    }

    @Override
    public boolean tryAcquire() {
        if (owner == Fiber.current()) {
            count++;
            return true;
        }
        if (super.tryAcquire()) {
            count = 1;
            return true;
        }
        return false;
    }

    @Override
    public void release() {
        Fiber me = Fiber.current();
        if (owner != me) {
            throw notOwner(me);
        }
        if (--count == 0) {
            handOff();
        }
    }

    @Override
    void handOff() {
        count = 0;
        super.handOff();
    }

    @Override
    int holdsToRestore() {
        return count;
    }

    @Override
    void reacquire(int holds) {
        acquire(null);
        count = holds;
    }

    /** How many times the owner holds it. */
    public int holdCount() {
        return count;
    }
}
