package io.loomlet.sync;

import io.loomlet.FiberTimeoutException;
import io.loomlet.Park;
import io.loomlet.ParkingLot;
import io.loomlet.internal.Deadlines;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A FIFO queue for fibers, bounded or not: gevent's {@code Queue}/{@code JoinableQueue}, asyncio's
 * {@code Queue}. {@link #get()} parks while empty and {@link #put} parks while full. An item put
 * while a getter waits goes straight to it; a getter killed after it was handed an item puts the
 * item back at the head, so nothing is lost. {@link #taskDone()}/{@link #join()} count unfinished
 * items.
 *
 * <p>Named FiberQueue, not Queue, so it never collides with {@link java.util.Queue} in imports.
 * Items may not be null. Confinement: fibers of one hub (see {@link ParkingLot}).
 *
 * @param <T> the items' type
 */
public final class FiberQueue<T> {
    private final int capacity;
    private final ArrayDeque<T> items = new ArrayDeque<>();
    private final ParkingLot getters = new ParkingLot("FiberQueue.get");
    private final ParkingLot putters = new ParkingLot("FiberQueue.put");
    private final ParkingLot joiners = new ParkingLot("FiberQueue.join");
    private int unfinished;
    @SuppressWarnings("unchecked")
    private final Consumer<Object> itemAbandoned = item -> putBack((T) item);
    private final Consumer<Object> spaceAbandoned = grant -> {
        if (!isFull()) {
            putters.unparkOne(Grant.PERMIT);
        }
    };

    /** An unbounded queue. */
    public FiberQueue() {
        this(0);
    }

    /** A queue holding at most {@code capacity} items; 0 means unbounded. */
    public FiberQueue(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be >= 0 (0: unbounded): " + capacity);
        }
        this.capacity = capacity;
    }

    /** Puts {@code item}, waiting while the queue is full. */
    public void put(T item) {
        if (!offer(item, null)) {
            throw new AssertionError("put without timeout returned");
        }
    }

    /** Puts {@code item}, waiting at most {@code timeout}; raises FiberTimeoutException if still full. */
    public void put(T item, Duration timeout) {
        if (!offer(item, timeout)) {
            throw new FiberTimeoutException(null, timeout, "FiberQueue.put: queue full");
        }
    }

    /** Puts {@code item} if there is room now. */
    public boolean offer(T item) {
        Objects.requireNonNull(item, "item");
        if (getters.unparkOne(item) != null) {
            unfinished++;
            return true;
        }
        if (isFull()) {
            return false;
        }
        items.addLast(item);
        unfinished++;
        return true;
    }

    /** Puts {@code item}, waiting at most {@code timeout} (null: no limit); false if still full. */
    public boolean offer(T item, Duration timeout) {
        Objects.requireNonNull(item, "item");
        long deadline = Deadlines.of(timeout, "FiberQueue.put");
        for (;;) {
            if (offer(item)) {
                return true;
            }
            if (putters.park(deadline, spaceAbandoned) == Park.TIMED_OUT) {
                return offer(item);
            }
        }
    }

    /** Takes the head item, waiting while the queue is empty. */
    public T get() {
        return take(Park.NO_DEADLINE);
    }

    /** Takes the head item, waiting at most {@code timeout}; raises FiberTimeoutException if still empty. */
    public T get(Duration timeout) {
        T v = take(Deadlines.of(timeout, "FiberQueue.get"));
        if (v == null) {
            throw new FiberTimeoutException(null, timeout, "FiberQueue.get: queue empty");
        }
        return v;
    }

    /** Takes the head item if there is one now, else null. */
    public T poll() {
        T v = items.pollFirst();
        if (v != null) {
            putters.unparkOne(Grant.PERMIT);
        }
        return v;
    }

    /** Takes the head item, waiting at most {@code timeout}; null if still empty. */
    public T poll(Duration timeout) {
        return take(Deadlines.of(timeout, "FiberQueue.poll"));
    }

    @SuppressWarnings("unchecked")
    private T take(long deadline) {
        T v = poll();
        if (v != null) {
            return v;
        }
        Object r = getters.park(deadline, itemAbandoned);
        return r == Park.TIMED_OUT ? poll() : (T) r;
    }

    /** An item handed to a getter that was then cancelled goes back to the head (or to the next getter). */
    private void putBack(T item) {
        if (getters.unparkOne(item) == null) {
            items.addFirst(item);
        }
    }

    /** The head item without taking it, or null. */
    public T peek() {
        return items.peekFirst();
    }

    /** Marks one item taken earlier as processed; {@link #join()} returns when none are left. */
    public void taskDone() {
        if (unfinished <= 0) {
            throw new IllegalStateException("taskDone() called more times than items were put");
        }
        if (--unfinished == 0) {
            joiners.unparkAll(Boolean.TRUE);
        }
    }

    /** Waits until every item put has been marked done with {@link #taskDone()}. */
    public void join() {
        join(null);
    }

    /** As {@link #join()}, at most {@code timeout}; returns whether all were done. */
    public boolean join(Duration timeout) {
        long deadline = Deadlines.of(timeout, "FiberQueue.join");
        while (unfinished > 0) {
            if (joiners.park(deadline, null) == Park.TIMED_OUT) {
                return unfinished == 0;
            }
        }
        return true;
    }

    public int size() {
        return items.size();
    }

    public boolean isEmpty() {
        return items.isEmpty();
    }

    public boolean isFull() {
        return capacity > 0 && items.size() >= capacity;
    }

    /** The bound, or 0 if unbounded. */
    public int capacity() {
        return capacity;
    }

    /** Fibers waiting in {@link #get} now. */
    public int getters() {
        return getters.waiters();
    }

    /** Fibers waiting in {@link #put} now. */
    public int putters() {
        return putters.waiters();
    }

    /** Items put and not yet marked done. */
    public int unfinishedTasks() {
        return unfinished;
    }

    @Override
    public String toString() {
        return "FiberQueue[size " + items.size() + (capacity > 0 ? "/" + capacity : "") + ", getters "
                + getters.waiters() + ", putters " + putters.waiters() + "]";
    }
}
