package io.loomlet.sync;

import io.loomlet.Park;
import io.loomlet.SharedParkingLot;
import io.loomlet.Waitable;
import io.loomlet.internal.Deadlines;
import java.time.Duration;

/**
 * A flag fibers wait for: gevent's {@code Event}. {@link #set()} wakes every waiter; waiting on a set
 * event returns at once.
 *
 * <p>Thread-safe (as gevent's since 21): fibers of any hub, a hub's virtual threads and plain
 * threads may wait on it, and any thread may set or clear it; a waiter of another hub is woken
 * through that hub's inbox. Since anyone may set it, a wait on an event is never taken for a
 * {@link io.loomlet.LoopExit}. As a {@link Waitable} ({@link io.loomlet.Fibers#iwait}) it is ready
 * while set.
 */
public final class Event implements Waitable {
    private volatile boolean flag;
    /**
     * True from the moment a fiber decides, under the lot's monitor, whether to wait, until the lot
     * empties again. The waiter writes it and then reads {@code flag}; {@link #set()} writes
     * {@code flag} and then reads this; both volatile, so at least one of them sees the other's write
     * (Dekker): a waiter either sees the flag or is on the list that {@code set()} then wakes under
     * the monitor. So a set with nobody waiting takes no monitor. A waiter that finds the flag set
     * while nobody waits clears it again (under the monitor no other waiter can be announcing
     * itself), so it does not stay true for later sets.
     */
    private volatile boolean mayHaveWaiters;
    private final SharedParkingLot lot = new SharedParkingLot("Event") {
        @Override
        protected boolean mustWait() {
            mayHaveWaiters = true;
            if (!flag) {
                return true;
            }
            if (isEmpty()) {
                mayHaveWaiters = false;
            }
            return false;
        }

        @Override
        protected void emptied() {
            mayHaveWaiters = false;
        }
    };

    /** Sets the flag and wakes every waiting fiber. From any thread. */
    public void set() {
        if (flag) {
            return; // nobody can have queued since: a waiter checks the flag as it queues
        }
        flag = true;
        if (mayHaveWaiters) {
            lot.unparkAll(Boolean.TRUE);
        }
        lot.notifyWatchers(this);
    }

    /**
     * Clears the flag: later waits wait again. From any thread. A volatile store, not a cheaper
     * release store: in {@code e.clear(); if (queue.isEmpty()) e.await();} against a producer's
     * {@code queue.add(x); e.set();}, a clear still in the store buffer while the consumer reads the
     * queue would let the producer's set see the old {@code true} and return, and the consumer would
     * wait for ever.
     */
    public void clear() {
        flag = false;
    }

    public boolean isSet() {
        return flag;
    }

    /** The same as {@link #isSet()} (gevent's {@code ready()}). */
    @Override
    public boolean isReady() {
        return flag;
    }

    /** Low-level ({@link Waitable}): {@code w} is told when the event is set. */
    @Override
    public boolean watch(Waitable.Watcher w) {
        return lot.watch(this, w);
    }

    @Override
    public void unwatch(Waitable.Watcher w) {
        lot.unwatch(w);
    }

    /** Waits until the flag is set; returns true. */
    public boolean await() {
        return await(null);
    }

    /** Waits until the flag is set or {@code timeout} (null: none) passes; returns whether it was set. */
    public boolean await(Duration timeout) {
        long deadline = Deadlines.of(timeout, "Event.await");
        if (flag) {
            return true;
        }
        return lot.park(deadline, Park.Wake.OTHER_THREAD, null) != Park.TIMED_OUT || flag;
    }

    /** Fibers waiting now. */
    public int waiters() {
        return lot.waiters();
    }

    @Override
    public String toString() {
        return "Event[" + (flag ? "set" : "unset") + ", waiters " + lot.waiters() + "]";
    }
}
