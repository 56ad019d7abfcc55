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
 * putters both wait on {@link ParkingLot}s, first come first served.
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
