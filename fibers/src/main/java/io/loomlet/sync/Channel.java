package io.loomlet.sync;

import io.loomlet.Fiber;
import io.loomlet.FiberTimeoutException;
import io.loomlet.Park;
import io.loomlet.ParkingLot;
import io.loomlet.internal.Deadlines;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * An unbuffered channel: {@link #put} waits until a getter takes the item, {@link #get} waits until
 * a putter gives one (gevent's {@code Channel}, a rendezvous). Items may not be null. Getters and
 * putters both wait on {@link ParkingLot}s, first come first served. {@link #offer(Object)} and
 * {@link #poll()} never wait: they succeed only when the other side waits already, which
 * {@link #isFull()} and {@link #isEmpty()} tell beforehand.
 *
 * <p>Confinement: fibers of one hub.
 *
 * @param <T> the items' type
 */
public final class Channel<T> {
    /** A putter's item; {@code fiber} null for an item handed back by a cancelled getter. */
    private static final class Offer<T> {
        final Fiber fiber;
        final T item;
        boolean taken;

        Offer(Fiber fiber, T item) {
            this.fiber = fiber;
            this.item = item;
        }
    }

    /** The waiting putters' items, in the order they came. */
    private final ArrayDeque<Offer<T>> offers = new ArrayDeque<>();
    private final ParkingLot getters = new ParkingLot("Channel.get");
    private final ParkingLot putters = new ParkingLot("Channel.put");
    @SuppressWarnings("unchecked")
    private final Consumer<Object> itemAbandoned = item -> {
        if (getters.unparkOne(item) == null) {
            offers.addFirst(new Offer<>(null, (T) item)); // its putter has returned; the next getter takes it
        }
    };

    /** Gives {@code item} to a getter, waiting until one takes it. */
    public void put(T item) {
        if (!offer(item, null)) {
            throw new AssertionError("put without timeout returned");
        }
    }

    /** As {@link #put}, waiting at most {@code timeout}; raises FiberTimeoutException if nobody took it. */
    public void put(T item, Duration timeout) {
        if (!offer(item, timeout)) {
            throw new FiberTimeoutException(null, timeout, "Channel.put: no getter");
        }
    }

    /**
     * Gives {@code item} to a getter waiting now, without waiting (gevent's {@code put_nowait}, which
     * raises {@code Full} where this returns false); false, doing nothing, if none waits.
     */
    public boolean offer(T item) {
        return offer(item, Duration.ZERO);
    }

    /**
     * Gives {@code item} to a getter, waiting at most {@code timeout} (null: no limit; zero: only a
     * getter waiting now); false if nobody took it.
     */
    public boolean offer(T item, Duration timeout) {
        Objects.requireNonNull(item, "item");
        long deadline = Deadlines.of(timeout, "Channel.put");
        if (getters.unparkOne(item) != null) {
            return true;
        }
        if (timeout != null && timeout.isZero()) {
            return false;
        }
        Offer<T> o = new Offer<>(Fiber.current(), item);
        offers.addLast(o);
        try {
            putters.park(deadline, null);
        } finally {
            if (!o.taken) {
                offers.remove(o);
            }
        }
        return o.taken;
    }

    /** Takes an item, waiting until a putter gives one. */
    public T get() {
        return poll(null);
    }

    /** Takes an item, waiting at most {@code timeout}; raises FiberTimeoutException if none came. */
    public T get(Duration timeout) {
        T v = poll(timeout);
        if (v == null) {
            throw new FiberTimeoutException(null, timeout, "Channel.get: no putter");
        }
        return v;
    }

    /**
     * Takes an item a putter is offering now, without waiting (gevent's {@code get_nowait}, which
     * raises {@code Empty} where this returns null); that putter's put returns. Null if none.
     */
    public T poll() {
        return poll(Duration.ZERO);
    }

    /** Takes an item, waiting at most {@code timeout} (null: no limit; zero: only a putter waiting now); null if none came. */
    @SuppressWarnings("unchecked")
    public T poll(Duration timeout) {
        long deadline = Deadlines.of(timeout, "Channel.get");
        for (Offer<T> o; (o = offers.pollFirst()) != null; ) {
            // An offer whose putter timed out or was cancelled is skipped: the lot's abort took that
            // putter out already, and its item goes back with it.
            if (o.fiber == null || putters.unpark(o.fiber, Grant.PERMIT)) {
                o.taken = true;
                return o.item;
            }
        }
        if (timeout != null && timeout.isZero()) {
            return null;
        }
        Object r = getters.park(deadline, itemAbandoned);
        return r == Park.TIMED_OUT ? null : (T) r;
    }

    /**
     * Whether no item can be taken now: {@link #poll()} would return null, a get would wait. A channel
     * holds no items of its own; what a get can take is a waiting putter's item (or one a cancelled
     * getter gave back). gevent's {@code empty()} always answers true; this answers the question a
     * caller asks.
     */
    public boolean isEmpty() {
        // Items given back (fiber null) are only ever added at the head, so they come first; an offer
        // whose putter timed out or was cancelled may linger until that putter runs, so waiting putters
        // are counted by the lot, not by the offers.
        Offer<T> first = offers.peekFirst();
        return putters.waiters() == 0 && (first == null || first.fiber != null);
    }

    /**
     * Whether no item can be given now: {@link #offer(Object)} would return false, a put would wait
     * for a getter. gevent's {@code full()} always answers true; this is false while a getter waits.
     */
    public boolean isFull() {
        return getters.waiters() == 0;
    }

    /** Putters waiting now. */
    public int putters() {
        return putters.waiters();
    }

    /** Getters waiting now. */
    public int getters() {
        return getters.waiters();
    }

    @Override
    public String toString() {
        return "Channel[putters " + putters.waiters() + ", getters " + getters.waiters() + "]";
    }
}
