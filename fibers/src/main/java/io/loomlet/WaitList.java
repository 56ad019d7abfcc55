package io.loomlet;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The intrusive FIFO list of parked fibers under {@link ParkingLot} and {@link SharedParkingLot}:
 * the fiber is the node (its {@code lot}, {@code lotPrev}, {@code lotNext} fields; a fiber waits for
 * one thing at a time), so waiting allocates nothing. Whoever owns the list serialises the changes:
 * the lot's hub thread for a {@code ParkingLot}, the monitor for a {@code SharedParkingLot}. The
 * count is written with opaque stores, so that another thread may read it as a snapshot
 * ({@link #waiters()}), at the price of a plain store on the hub's path.
 */
abstract class WaitList {
    private static final VarHandle SIZE;

    static {
        try {
            SIZE = MethodHandles.lookup().findVarHandle(WaitList.class, "size", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    Fiber head;
    private Fiber tail;
    private int size;

    /** Called, by the list's owner, when its last waiter leaves (woken, timed out or cancelled). */
    void emptied() {
    }

    /** Appends {@code f}, which waits nowhere else. */
    final void append(Fiber f) {
        f.lot = this;
        f.lotPrev = tail;
        f.lotNext = null;
        if (tail == null) {
            head = f;
        } else {
            tail.lotNext = f;
        }
        tail = f;
        SIZE.setOpaque(this, size + 1);
    }

    /** Removes {@code f} if it waits here (harmless otherwise); true if it did. */
    final boolean remove(Fiber f) {
        if (f.lot != this) {
            return false;
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
        int n = size - 1;
        SIZE.setOpaque(this, n);
        if (n == 0) {
            emptied();
        }
        return true;
    }

    /** Fibers waiting now (from another thread: a recent snapshot). */
    public final int waiters() {
        return (int) SIZE.getOpaque(this);
    }

    /** True when nobody waits (from another thread: a recent snapshot). */
    public final boolean isEmpty() {
        return waiters() == 0;
    }
}
