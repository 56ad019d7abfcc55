package io.loomlet.sync;

/**
 * A {@link Semaphore} that refuses to be released more times than it was acquired: releasing past
 * the initial count throws {@link IllegalStateException} (gevent's {@code BoundedSemaphore}).
 */
public final class BoundedSemaphore extends Semaphore {
    private final int initial;

    public BoundedSemaphore(int permits) {
        super(permits, "BoundedSemaphore");
        this.initial = permits;
    }

    @Override
    void checkRelease() {
        // Waiters exist only while permits == 0 < initial, so this test is exact.
        if (permits >= initial && lot.isEmpty()) {
            throw new IllegalStateException("BoundedSemaphore released too many times (initial " + initial + ")");
        }
    }
}
