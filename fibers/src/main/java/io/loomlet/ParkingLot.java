package io.loomlet;

import java.util.function.Consumer;

/**
 * A FIFO list of parked fibers: the one wait list that {@code Lock}, {@code Semaphore},
 * {@code FiberQueue}, {@code Channel} and {@code Event} sit on (trio's {@code ParkingLot}). Nothing
 * in Loomlet switches by hand to wait; it parks here and is unparked in order.
 *
 * <p>Links are embedded in the fiber (a fiber waits for one thing at a time), so parking allocates
 * nothing.
 *
 * <p>Confinement: a lot binds to the hub of the first fiber that uses it; every later call must come
 * from that hub's thread, or it throws {@link IllegalStateException}. Across threads use
 * {@link AsyncResult}, {@link Task} or {@link HubGroup}.
 */
public final class ParkingLot {
    private final String name;
    private Hub hub;
    private Fiber head;
    private Fiber tail;
    private int size;

    /** @param name what waiters here wait for, shown by {@link Fibers#dump()} */
    public ParkingLot(String name) {
        this.name = name;
    }

    /**
     * Parks the current fiber at the tail until {@link #unparkOne} or {@link #unparkAll} reaches it,
     * {@code deadline} ({@link System#nanoTime()}, or {@link Hub#NO_DEADLINE}) passes, or it is
     * cancelled. Returns the value it was unparked with, or {@link Hub#TIMED_OUT}.
     *
     * <p>If the fiber is cancelled (kill, Timeout) after an unpark already handed it a value but
     * before it ran, {@code onAbandon} receives that value before the exception propagates, so the
     * primitive can pass it to the next waiter: a permit or an item is never lost.
     */
    public Object park(long deadline, Consumer<Object> onAbandon) {
        Hub h = bind();
        Fiber self = h.current;
        self.lotGrant = null;
        append(self);
        try {
            return h.park(this, deadline);
        } catch (Throwable t) {
            Object grant = self.lotGrant;
            if (grant != null && onAbandon != null) {
                self.lotGrant = null;
                onAbandon.accept(grant);
            }
            throw t;
        } finally {
            if (self.lot == this) {
                remove(self);
            }
            self.lotGrant = null;
        }
    }

    /**
     * Unparks the longest-waiting fiber with {@code value} (non-null) and returns true, or returns
     * false if nobody waits.
     */
    public boolean unparkOne(Object value) {
        return unparkNext(value) != null;
    }

    /** As {@link #unparkOne}, returning the fiber unparked (null if nobody waits): a lock's next owner. */
    public Fiber unparkNext(Object value) {
        java.util.Objects.requireNonNull(value, "value");
        Hub h = bind();
        Fiber f = head;
        if (f == null) {
            return null;
        }
        remove(f);
        f.lotGrant = value;
        h.unpark(f, value);
        return f;
    }

    /** Unparks every waiter with {@code value}; returns how many. */
    public int unparkAll(Object value) {
        int n = 0;
        while (unparkOne(value)) {
            n++;
        }
        return n;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    private Hub bind() {
        Hub cur = Hub.current();
        if (hub == null) {
            hub = cur;
        } else if (hub != cur) {
            throw new IllegalStateException(name + " belongs to the hub of thread " + hub.thread.getName()
                    + " and cannot be used from thread " + Thread.currentThread().getName()
                    + "; share results across threads with AsyncResult, Task or HubGroup");
        }
        return cur;
    }

    private void append(Fiber f) {
        f.lot = this;
        f.lotPrev = tail;
        f.lotNext = null;
        if (tail == null) {
            head = f;
        } else {
            tail.lotNext = f;
        }
        tail = f;
        size++;
    }

    /** Removes {@code f} (the hub calls this when a waiter times out or is cancelled). */
    void remove(Fiber f) {
        if (f.lot != this) {
            return;
        }
        if (f.lotPrev == null) {
            head = f.lotNext;
        } else {
            f.lotPrev.lotNext = f.lotNext;
        }
        if (f.lotNext == null) {
            tail = f.lotPrev;
        } else {
            f.lotNext.lotPrev = f.lotPrev;
        }
        f.lot = null;
        f.lotPrev = null;
        f.lotNext = null;
        size--;
    }

    @Override
    public String toString() {
        return name;
    }
}
