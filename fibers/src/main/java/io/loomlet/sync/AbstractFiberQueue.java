package io.loomlet.sync;

import io.loomlet.FiberTimeoutException;
import io.loomlet.Park;
import io.loomlet.ParkingLot;
import io.loomlet.internal.Deadlines;
import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
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
 *   <li><b>Shutting down</b> (gevent's and Python 3.13's {@code shutdown}): after {@link #shutdown()}
 *       every put raises {@link QueueShutDown}; gets take what is left, then raise it; fibers waiting
 *       to put, get or peek wake with it. {@link #shutdown(boolean) shutdown(true)} also drops the
 *       items left.</li>
 *   <li><b>Iterating</b> consumes: {@code for (T item : queue)} takes items, waiting for each, until
 *       the queue is shut down and drained (see {@link #iterator()}).</li>
 * </ul>
 *
 * <p>Items may not be null. Confinement: fibers of one hub (see {@link ParkingLot}).
 *
 * @param <T> the items' type
 */
public abstract sealed class AbstractFiberQueue<T> implements Iterable<T> permits FiberQueue, LifoQueue, PriorityQueue {
    /** What waiters are woken with when the queue shuts down: never an item, never a permit. */
    private enum ShutDownSignal { SHUT_DOWN }

    private final String name;
    private final int capacity;
    private final QueueOrder<T> items;
    private final ParkingLot getters;
    private final ParkingLot putters;
    private final ParkingLot peekers;
    private final ParkingLot joiners;
    private int unfinished;
    private boolean shutDown;
    private boolean dropping;
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
        this.peekers = new ParkingLot(name + ".peek");
        this.joiners = new ParkingLot(name + ".join");
    }

    /**
     * Puts {@code item}, waiting while the queue is full.
     *
     * @throws QueueShutDown if the queue is shut down, or shuts down while this waits
     */
    public void put(T item) {
        if (!offer(item, null)) {
            throw new AssertionError("put without timeout returned");
        }
    }

    /**
     * Puts {@code item}, waiting at most {@code timeout}; raises FiberTimeoutException if still full.
     *
     * @throws QueueShutDown if the queue is shut down, or shuts down while this waits
     */
    public void put(T item, Duration timeout) {
        if (!offer(item, timeout)) {
            throw new FiberTimeoutException(null, timeout, name + ".put: queue full");
        }
    }

    /**
     * Puts {@code item} if there is room now (gevent's {@code put_nowait}, which raises {@code Full}
     * where this returns false).
     *
     * @throws QueueShutDown if the queue is shut down
     */
    public boolean offer(T item) {
        accept(item);
        return tryPut(item);
    }

    private boolean tryPut(T item) {
        if (shutDown) {
            throw shutDown("put");
        }
        if (getters.unparkOne(item) != null) {
            unfinished++;
            return true;
        }
        if (isFull()) {
            return false;
        }
        items.add(item);
        unfinished++;
        stored();
        return true;
    }

    /**
     * Puts {@code item}, waiting at most {@code timeout} (null: no limit); false if still full.
     *
     * @throws QueueShutDown if the queue is shut down, or shuts down while this waits
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
     *
     * @throws QueueShutDown if the queue is shut down and empty, or shuts down while this waits
     */
    public T get() {
        return take(Park.NO_DEADLINE);
    }

    /**
     * Takes the next item, waiting at most {@code timeout}; raises FiberTimeoutException if still empty.
     *
     * @throws QueueShutDown if the queue is shut down and empty, or shuts down while this waits
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
     *
     * @throws QueueShutDown if the queue is shut down and empty: null would let a consumer that polls
     *     in a loop spin for ever
     */
    public T poll() {
        T v = items.poll();
        if (v != null) {
            putters.unparkOne(Grant.PERMIT);
            return v;
        }
        if (shutDown) {
            throw shutDown("get");
        }
        return null;
    }

    /**
     * Takes the next item, waiting at most {@code timeout}; null if still empty.
     *
     * @throws QueueShutDown if the queue is shut down and empty, or shuts down while this waits
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
        return r == Park.TIMED_OUT || r == ShutDownSignal.SHUT_DOWN ? poll() : (T) r;
    }

    @SuppressWarnings("unchecked")
    private void itemAbandoned(Object item) {
        if (item != ShutDownSignal.SHUT_DOWN) {
            giveBack((T) item);
        }
    }

    private void spaceAbandoned(Object grant) {
        if (grant == Grant.PERMIT && !isFull()) {
            putters.unparkOne(Grant.PERMIT);
        }
    }

    /**
     * An item handed to a getter that was then cancelled goes to the next getter, else back into the
     * queue to come out next; after {@link #shutdown(boolean) shutdown(true)} it is dropped as the
     * other items were.
     */
    private void giveBack(T item) {
        if (dropping) {
            finished(1);
        } else if (getters.unparkOne(item) == null) {
            items.giveBack(item);
            stored();
        }
    }

    /** An item is in the queue now: fibers waiting in {@link #peek(Duration)} look again. */
    private void stored() {
        if (!peekers.isEmpty()) {
            peekers.unparkAll(Grant.PERMIT);
        }
    }

    /** The next item without taking it, or null; never waits and never raises, shut down or not. */
    public T peek() {
        return items.peek();
    }

    /**
     * The next item without taking it, waiting at most {@code timeout} (null: no limit) while the
     * queue is empty (gevent's {@code peek(block=True, timeout)}); raises FiberTimeoutException if
     * still empty. It returns the item that is next when it returns: an item handed straight to a
     * waiting getter is never in the queue, so it does not end the wait.
     *
     * @throws QueueShutDown if the queue is shut down and empty, or shuts down while this waits
     */
    public T peek(Duration timeout) {
        long deadline = Deadlines.of(timeout, name + ".peek");
        boolean timedOut = false;
        for (;;) {
            T v = items.peek();
            if (v != null) {
                return v;
            }
            if (shutDown) {
                throw shutDown("peek");
            }
            if (timedOut) {
                throw new FiberTimeoutException(null, timeout, name + ".peek: queue empty");
            }
            timedOut = peekers.park(deadline, null) == Park.TIMED_OUT;
        }
    }

    /**
     * Shuts the queue down (gevent's and Python 3.13's {@code shutdown()}): from now on every put
     * raises {@link QueueShutDown}, and gets take the items left, then raise it. Fibers waiting to
     * put, get or peek wake at once with it; the items of waiting putters are not added. Iteration
     * ends once the queue is drained. Calling it again does nothing more.
     */
    public void shutdown() {
        shutdown(false);
    }

    /**
     * As {@link #shutdown()}; if {@code immediate}, also drops the items left (and any a cancelled
     * getter gives back later), each counted as done for {@link #join()}, so gets raise at once.
     * {@code shutdown(true)} after {@code shutdown()} drops what is left then.
     */
    public void shutdown(boolean immediate) {
        shutDown = true;
        if (immediate) {
            dropping = true;
            int n = items.size();
            items.clear();
            finished(n);
        }
        getters.unparkAll(ShutDownSignal.SHUT_DOWN);
        putters.unparkAll(ShutDownSignal.SHUT_DOWN);
        peekers.unparkAll(ShutDownSignal.SHUT_DOWN);
    }

    /** Whether {@link #shutdown()} was called. */
    public boolean isShutdown() {
        return shutDown;
    }

    /**
     * Takes items for a for-each loop: {@code for (T item : queue)} gets each item in turn, waiting
     * for the next, and ends normally once the queue is shut down and drained. gevent's iteration
     * ends on a {@code StopIteration} item instead and raises {@code ShutDown}; here a shutdown is the
     * one way to end a loop, so no item value is reserved.
     *
     * <p>{@code hasNext()} is the call that waits: it takes the next item and holds it for
     * {@code next()}. An iterator dropped between the two keeps that item. Waits can be cancelled
     * (a kill, a {@code Timeout}) as any get. {@code remove()} is not supported. {@code forEach}
     * and {@code spliterator} consume the same way.
     */
    @Override
    public Iterator<T> iterator() {
        return new Iterator<>() {
            private T next;

            @Override
            public boolean hasNext() {
                if (next == null) {
                    try {
                        next = get();
                    } catch (QueueShutDown end) {
                        return false;
                    }
                }
                return true;
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException(name + " is shut down and drained");
                }
                T v = next;
                next = null;
                return v;
            }
        };
    }

    /** Marks one item taken earlier as processed; {@link #join()} returns when none are left. */
    public void taskDone() {
        if (unfinished <= 0) {
            throw new IllegalStateException("taskDone() called more times than items were put");
        }
        finished(1);
    }

    private void finished(int n) {
        int before = unfinished;
        unfinished = Math.max(0, unfinished - n);
        if (unfinished == 0 && before > 0) {
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

    private QueueShutDown shutDown(String what) {
        return new QueueShutDown(name + "." + what + ": the queue is shut down"
                + (what.equals("put") ? "" : " and empty"));
    }

    @Override
    public String toString() {
        return name + "[size " + items.size() + (capacity > 0 ? "/" + capacity : "") + ", getters "
                + getters.waiters() + ", putters " + putters.waiters() + (shutDown ? ", shut down" : "") + "]";
    }
}
