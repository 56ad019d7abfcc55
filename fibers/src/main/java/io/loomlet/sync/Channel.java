package io.loomlet.sync;

import io.loomlet.Fiber;
import io.loomlet.FiberTimeoutException;
import io.loomlet.Hub;
import io.loomlet.ParkingLot;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * An unbuffered channel: {@link #put} waits until a getter takes the item, {@link #get} waits until
 * a putter gives one (gevent's {@code Channel}, a rendezvous). Items may not be null.
 *
 * <p>Confinement: fibers of one hub.
 *
 * @param <T> the items' type
 */
public final class Channel<T> {
    /** A putter waiting with its item; {@code fiber} null for an item handed back by a cancelled getter. */
    private static final class Offer<T> {
        final Fiber fiber;
        final T item;
        boolean taken;

        Offer(Fiber fiber, T item) {
            this.fiber = fiber;
            this.item = item;
        }
    }

    private final ArrayDeque<Offer<T>> offers = new ArrayDeque<>();
    private final ParkingLot getters = new ParkingLot("Channel.get");
    @SuppressWarnings("unchecked")
    private final Consumer<Object> itemAbandoned = item -> {
        if (!getters.unparkOne(item)) {
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

    /** Gives {@code item} to a getter, waiting at most {@code timeout} (null: none); false if nobody took it. */
    public boolean offer(T item, Duration timeout) {
        Objects.requireNonNull(item, "item");
        if (getters.unparkOne(item)) {
            return true;
        }
        Hub hub = Hub.current();
        Offer<T> o = new Offer<>(Fiber.current(), item);
        offers.addLast(o);
        try {
            hub.park(this, Sync.deadline(timeout));
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

    /** Takes an item, waiting at most {@code timeout} (null: none); null if none came. */
    @SuppressWarnings("unchecked")
    public T poll(Duration timeout) {
        Offer<T> o = offers.pollFirst();
        if (o != null) {
            o.taken = true;
            if (o.fiber != null) {
                o.fiber.hub().unpark(o.fiber, Sync.GRANT);
            }
            return o.item;
        }
        if (timeout != null && timeout.isZero()) {
            return null;
        }
        Object r = getters.park(Sync.deadline(timeout), itemAbandoned);
        return r == Hub.TIMED_OUT ? null : (T) r;
    }

    /** Putters waiting now. */
    public int putters() {
        return offers.size();
    }

    /** Getters waiting now. */
    public int getters() {
        return getters.size();
    }

    @Override
    public String toString() {
        return "Channel[putters " + offers.size() + ", getters " + getters.size() + "]";
    }
}
