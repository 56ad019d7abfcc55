package io.loomlet;

import io.loomlet.internal.Deadlines;
import java.time.Duration;

/**
 * A {@link Group} of at most {@code size} running tasks: {@link #spawn} waits while the pool is full
 * (gevent's {@code Pool}). Use it to bound concurrency: {@code new Pool(100).map(fetch, urls)}.
 */
public class Pool extends Group {
    private final int size;

    public Pool(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("pool size must be at least 1: " + size);
        }
        this.size = size;
    }

    @Override
    void waitForSlot() {
        super.waitForSlot();
        while (size() >= size) {
            changed.park(Park.NO_DEADLINE, null);
        }
    }

    /** Waits until a slot is free or {@code timeout} (null: none) passes; returns the free count. */
    public int waitAvailable(Duration timeout) {
        long deadline = Deadlines.of(timeout, "Pool.waitAvailable");
        while (size() >= size) {
            if (changed.park(deadline, null) == Park.TIMED_OUT) {
                break;
            }
        }
        return freeCount();
    }

    /** Free slots now. */
    @Override
    public int freeCount() {
        return Math.max(0, size - size());
    }

    public boolean isFull() {
        return size() >= size;
    }

    /** The limit. */
    public int capacity() {
        return size;
    }
}
