package io.loomlet.sync;

import io.loomlet.FiberTimeoutException;
import io.loomlet.Park;
import io.loomlet.ParkingLot;
import io.loomlet.internal.Deadlines;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What gevent's {@code Queue}, {@code LifoQueue} and {@code PriorityQueue} share (gevent's
 * {@code SimpleQueue}/{@code Queue} base): a queue for fibers, bounded or not, that differs between
 * its kinds only in which item comes out next ({@link FiberQueue}: first put; {@link LifoQueue}: last
 * put; {@link PriorityQueue}: lowest).
 *
 * <ul>
 *   <li><b>Waiting.</b> {@link #get()} parks while empty and {@link #put} parks while full. An item
 *       put while a getter waits goes straight to it; a getter killed after it was handed an item
 *       gives it back (to the next getter, else to the queue, where it comes out next), so nothing is
 *       lost.</li>
 *   <li><b>Joining.</b> {@link #taskDone()}/{@link #join()} count unfinished items (gevent's
 *       {@code JoinableQueue}, which every gevent queue now is).</li>
 * </ul>
 *
 * <p>Items may not be null. Confinement: fibers of one hub (see {@link ParkingLot}).
 *
 * @param <T> the items' type
 */
public abstract sealed class AbstractFiberQueue<T> permits FiberQueue, LifoQueue, PriorityQueue {
    private final String name;
    private final int capacity;
    private final QueueOrder<T> items;
    private final ParkingLot getters;
    private final ParkingLot putters;
    private final ParkingLot joiners;
    private int unfinished;
    /** A getter cancelled after it was handed an item: the item goes on (ParkingLot's onAbandon). */
    private final Consumer<Object> itemAbandoned = this::itemAbandoned;
    /** A putter cancelled after it was let in: the room goes to the next putter. */
    private final Consumer<Object> spaceAbandoned = this::spaceAbandoned;

    AbstractFiberQueue(String name, int capacity, QueueOrder<T> items) {
        if (capacity < 0) {
            throw new IllegalArgumentException(name + ": capacity must be >= 0 (0: unbounded): " + capacity);
        }
        this.name = name;
        this.capacity = capacity;
        this.items = items;
        this.getters = new ParkingLot(name + ".get");
        this.putters = new ParkingLot(name + ".put");
        this.joiners = new ParkingLot(name + ".join");
    }

    /**
     * Puts {@code item}, waiting while the queue is full.
     */
    public void put(T item) {
        if (!offer(item, null)) {
            throw new AssertionError("put without timeout returned");
        }
    }

    /**
     * Puts {@code item}, waiting at most {@code timeout}; raises FiberTimeoutException if still full.
     */
    public void put(T item, Duration timeout) {
        if (!offer(item, timeout)) {
            throw new FiberTimeoutException(null, timeout, name + ".put: queue full");
        }
    }

    /**
     * Puts {@code item} if there is room now (gevent's {@code put_nowait}, which raises {@code Full}
     * where this returns false).
     */
    public boolean offer(T item) {
        accept(item);
        return tryPut(item);
    }

    private boolean tryPut(T item) {
        if (getters.unparkOne(item) != null) {
            unfinished++;
            return true;
        }
        if (isFull()) {
            return false;
        }
        items.add(item);
        unfinished++;
        return true;
    }

    /**
     * Puts {@code item}, waiting at most {@code timeout} (null: no limit); false if still full.
     */
    public boolean offer(T item, Duration timeout) {
        accept(item);
        long deadline = Deadlines.of(timeout, name + ".put");
        for (;;) {
            if (tryPut(item)) {
                return true;
            }
            if (putters.park(deadline, spaceAbandoned) == Park.TIMED_OUT) {
                return tryPut(item);
            }
        }
    }

    /**
     * Takes the next item, waiting while the queue is empty.
     */
    public T get() {
        return take(Park.NO_DEADLINE);
    }

    /**
     * Takes the next item, waiting at most {@code timeout}; raises FiberTimeoutException if still empty.
     */
    public T get(Duration timeout) {
        T v = take(Deadlines.of(timeout, name + ".get"));
        if (v == null) {
            throw new FiberTimeoutException(null, timeout, name + ".get: queue empty");
        }
        return v;
    }

    /**
     * Takes the next item if there is one now, else null (gevent's {@code get_nowait}, which raises
     * {@code Empty} instead).
     */
    public T poll() {
        T v = items.poll();
        if (v != null) {
            putters.unparkOne(Grant.PERMIT);
            return v;
        }
        return null;
    }

    /**
     * Takes the next item, waiting at most {@code timeout}; null if still empty.
     */
    public T poll(Duration timeout) {
        return take(Deadlines.of(timeout, name + ".poll"));
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

    @SuppressWarnings("unchecked")
    private void itemAbandoned(Object item) {
        giveBack((T) item);
    }

    private void spaceAbandoned(Object grant) {
        if (grant == Grant.PERMIT && !isFull()) {
            putters.unparkOne(Grant.PERMIT);
        }
    }

    /** An item handed to a getter that was then cancelled goes to the next getter, else back into the queue to come out next. */
    private void giveBack(T item) {
        if (getters.unparkOne(item) == null) {
            items.giveBack(item);
        }
    }

    /** The next item without taking it, or null. */
    public T peek() {
        return items.peek();
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
        long deadline = Deadlines.of(timeout, name + ".join");
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
        return items.size() == 0;
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

    private void accept(T item) {
        Objects.requireNonNull(item, "item");
        items.check(item);
    }

    @Override
    public String toString() {
        return name + "[size " + items.size() + (capacity > 0 ? "/" + capacity : "") + ", getters "
                + getters.waiters() + ", putters " + putters.waiters() + "]";
    }
}
