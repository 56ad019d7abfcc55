package io.loomlet;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * <b>Low-level:</b> a FIFO list of parked fibers (trio's {@code ParkingLot}), the wait list that
 * Loomlet's hub-confined primitives ({@code FiberQueue}, {@code Channel}, {@code Group}) sit on;
 * the thread-safe ones sit on {@link SharedParkingLot}. A new primitive should park here rather than call
 * {@link Park} by hand: the lot brings its own abort (a timed-out or cancelled waiter leaves the
 * list at once) and never loses what it hands out.
 *
 * <p>Links are embedded in the fiber (a fiber waits for one thing at a time), so parking allocates
 * nothing.
 *
 * <p>Confinement: a lot binds to the hub of the first fiber that uses it; every later call must come
 * from that hub's thread, or it throws {@link IllegalStateException}. Across threads use
 * {@link SharedParkingLot}, {@link AsyncResult}, {@link Task} or {@link HubGroup}.
 */
public final class ParkingLot extends WaitList {
    private final String name;
    private final Park.Wake wake;
    /** trio's abort_fn: one per lot, not per park, so parking allocates nothing. */
    private final Park.Abort abort = this::remove;
    private Hub hub;

    /**
     * A lot whose waiters are woken by fibers or callbacks of the same hub.
     *
     * @param name what waiters here wait for, shown by {@link Fibers#dump()}
     */
    public ParkingLot(String name) {
        this(name, Park.Wake.SAME_HUB);
    }

    /**
     * A lot whose waiters may be woken as {@code wake} says (see {@link Park.Wake}): the lot of a
     * primitive that other threads signal, if only through {@link Hub#callSoonThreadsafe}, says
     * {@link Park.Wake#OTHER_THREAD}, so a wait on it is never taken for one that cannot end.
     */
    public ParkingLot(String name, Park.Wake wake) {
        this.name = Objects.requireNonNull(name, "name");
        this.wake = Objects.requireNonNull(wake, "wake");
    }

    /**
     * Parks the current fiber at the tail until {@link #unparkOne} or {@link #unparkAll} reaches it,
     * {@code deadline} ({@link System#nanoTime()}, or {@link Park#NO_DEADLINE}) passes, or it is
     * cancelled. Returns the value it was unparked with, or {@link Park#TIMED_OUT}.
     *
     * <p>If the fiber is cancelled (kill, Timeout) after an unpark already handed it a value but
     * before it ran, {@code onAbandon} (may be null) receives that value before the exception
     * propagates, so the primitive can pass it to the next waiter: a permit or an item is never lost.
     */
    public Object park(long deadline, Consumer<Object> onAbandon) {
        Hub h = bind();
        Fiber self = h.sched.current();
        self.lotGrant = null;
        append(self);
        try {
            return self.park(this, deadline, wake, abort);
        } catch (Throwable t) {
            Object grant = self.lotGrant;
            if (grant != null && onAbandon != null) {
                self.lotGrant = null;
                onAbandon.accept(grant);
            }
            throw t;
        } finally {
            remove(self); // harmless when the waker or the abort removed it already
            self.lotGrant = null;
        }
    }

    /**
     * Unparks the longest-waiting fiber with {@code value} (non-null) and returns it, or returns null
     * if nobody waits (a lock hands itself to the fiber returned).
     */
    public Fiber unparkOne(Object value) {
        Objects.requireNonNull(value, "value");
        bind();
        Fiber f = head;
        if (f == null) {
            return null;
        }
        grant(f, value);
        return f;
    }

    /** Unparks {@code f} with {@code value} if it waits here (a channel's putter whose item was taken). */
    public boolean unpark(Fiber f, Object value) {
        Objects.requireNonNull(value, "value");
        bind();
        if (f.lot != this) {
            return false;
        }
        grant(f, value);
        return true;
    }

    private void grant(Fiber f, Object value) {
        remove(f);
        f.lotGrant = value;
        f.unpark(value);
    }

    /** Unparks every waiter with {@code value}; returns how many. */
    public int unparkAll(Object value) {
        int n = 0;
        while (unparkOne(value) != null) {
            n++;
        }
        return n;
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

    @Override
    public String toString() {
        return name;
    }
}
