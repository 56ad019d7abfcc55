package io.loomlet;

/**
 * Raised by {@link Group#add(Task, java.time.Duration)} when a {@link Pool} stays full for the whole timeout:
 * gevent's {@code gevent.pool.PoolFull}. The task was not added; it keeps running.
 */
public class PoolFull extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PoolFull(String message) {
        super(message);
    }
}
