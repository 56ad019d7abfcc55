package io.loomlet.sync;

import java.util.Comparator;
import java.util.Objects;

/**
 * A priority queue for fibers, bounded or not: gevent's {@code PriorityQueue}. The lowest item comes
 * out first, by a {@link Comparator} or the items' natural order, as with
 * {@link java.util.PriorityQueue} (whose name this one shares: import one of the two). Waiting,
 * joining, shutting down and iterating are as for every fiber queue (see {@link AbstractFiberQueue}).
 *
 * <p><b>Equal items come out first in, first out</b>, which gevent (a plain heap) does not promise: a
 * task queue with a few priority levels keeps each level in order. An item a cancelled getter gives
 * back comes out before the items equal to it.
 *
 * <p>Items may not be null; without a comparator they must be {@link Comparable}, checked at the put
 * (a {@link ClassCastException} that says so), also when a getter waits to take the item at once.
 * Confinement: fibers of one hub (see {@link io.loomlet.ParkingLot}).
 *
 * @param <T> the items' type
 */
public final class PriorityQueue<T> extends AbstractFiberQueue<T> {

    /** An unbounded queue in the items' natural order. */
    public PriorityQueue() {
        this(0);
    }

    /** A queue in the items' natural order holding at most {@code capacity} items; 0 means unbounded. */
    public PriorityQueue(int capacity) {
        super("PriorityQueue", capacity, new QueueOrder.Heap<>(null));
    }

    /** An unbounded queue, lowest first by {@code comparator}. */
    public PriorityQueue(Comparator<? super T> comparator) {
        this(0, comparator);
    }

    /** A queue lowest first by {@code comparator}, holding at most {@code capacity} items; 0 means unbounded. */
    public PriorityQueue(int capacity, Comparator<? super T> comparator) {
        super("PriorityQueue", capacity, new QueueOrder.Heap<>(Objects.requireNonNull(comparator, "comparator")));
    }
}
