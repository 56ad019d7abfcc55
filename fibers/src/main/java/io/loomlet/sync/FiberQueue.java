package io.loomlet.sync;

/**
 * A FIFO queue for fibers, bounded or not: gevent's {@code Queue}/{@code JoinableQueue}, asyncio's
 * {@code Queue}. Items come out in the order they were put; waiting, joining, shutting down and
 * iterating are described in {@link AbstractFiberQueue}.
 *
 * <p>Named FiberQueue, not Queue, so it never collides with {@link java.util.Queue} in imports.
 * Items may not be null. Confinement: fibers of one hub (see {@link io.loomlet.ParkingLot}).
 *
 * @param <T> the items' type
 */
public final class FiberQueue<T> extends AbstractFiberQueue<T> {

    /** An unbounded queue. */
    public FiberQueue() {
        this(0);
    }

    /** A queue holding at most {@code capacity} items; 0 means unbounded. */
    public FiberQueue(int capacity) {
        super("FiberQueue", capacity, new QueueOrder.Ends<>(false));
    }
}
