package io.loomlet;

import io.loomlet.internal.Deadlines;
import java.time.Duration;

/**
 * A {@link Group} of at most {@code size} running tasks: {@link #spawn} and {@link #add(Task)} wait
 * while the pool is full (gevent's {@code Pool}); {@link #add(Task, Duration)} gives up after a
 * timeout with {@link PoolFull}. Use it to bound concurrency: {@code new Pool(100).map(fetch, urls)}.
 * Its {@link #imap(Group.Fn, Iterable) imap} reads its input at most twice the size ahead of the
 * reader.
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
    boolean waitForSlot(long deadline) {
        super.waitForSlot(deadline);
        while (size() >= size) {
            if (changed.park(deadline, null) == Park.TIMED_OUT) {
                return size() < size;
            }
        }
        return true;
    }

    /**
     * Twice the size: {@link #imap(Group.Fn, Iterable)} and {@link #imapUnordered(Group.Fn, Iterable)}
     * take an item from their input only while fewer than {@code 2 * capacity()} are taken and not yet
     * returned: at most {@code capacity()} calls run, and at most as many more finished results wait
     * for a slow reader.
     */
    @Override
    int defaultLookAhead() {
        return size > Integer.MAX_VALUE / 2 ? Integer.MAX_VALUE : 2 * size;
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
