package io.loomlet.sync;

/**
 * A {@link Semaphore} that refuses to be released more times than it was acquired: a release that
 * would make more permits free than it started with throws {@link IllegalStateException} (gevent's
 * {@code BoundedSemaphore}, which raises ValueError). Thread-safe, as {@link Semaphore}.
 */
public final class BoundedSemaphore extends Semaphore {
    private final int initial;

    /** A bounded semaphore with one permit (gevent's default). */
    public BoundedSemaphore() {
        this(1);
    }

    /**
     * A bounded semaphore with {@code permits} free permits, which is also its bound.
     *
     * @throws IllegalArgumentException if {@code permits} is negative
     */
    public BoundedSemaphore(int permits) {
        super(permits, "BoundedSemaphore", permits);
        this.initial = permits;
    }

    @Override
    void checkGive(int free) {
        // Called only when nobody waits (a waiter takes the permit instead), with the state read at once.
        if (free >= initial) {
            throw new IllegalStateException("BoundedSemaphore released too many times (initial " + initial + ")");
        }
    }
}
