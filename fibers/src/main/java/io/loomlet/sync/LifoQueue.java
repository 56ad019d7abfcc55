package io.loomlet.sync;

/**
 * A LIFO queue (a stack) for fibers, bounded or not: gevent's {@code LifoQueue}. The item put last
 * comes out first, which suits work that goes stale (serve the newest request) or depth-first
 * traversals; waiting, joining, shutting down and iterating are as for every fiber queue (see
 * {@link AbstractFiberQueue}). An item a cancelled getter gives back goes on top again.
 *
 * <p>Items may not be null. Confinement: fibers of one hub (see {@link io.loomlet.ParkingLot}).
 *
 * @param <T> the items' type
 */
public final class LifoQueue<T> extends AbstractFiberQueue<T> {

    /** An unbounded stack. */
    public LifoQueue() {
        this(0);
    }

    /** A stack holding at most {@code capacity} items; 0 means unbounded. */
    public LifoQueue(int capacity) {
        super("LifoQueue", capacity, new QueueOrder.Ends<>(true));
    }
}
