package io.loomlet.sync;

import io.loomlet.Park;
import io.loomlet.ParkingLot;
import io.loomlet.internal.Deadlines;
import java.time.Duration;

/**
 * A flag fibers wait for: gevent's {@code Event}. {@link #set()} wakes every waiter; waiting on a set
 * event returns at once.
 *
 * <p>Confinement: fibers of one hub (see {@link ParkingLot}). Across threads use
 * {@link io.loomlet.AsyncResult}.
 */
public final class Event {
    private boolean flag;
    // An event is the signal other threads send (today through Hub.callSoonThreadsafe): a wait on it
    // may always be ended from outside the hub, so it is never taken for a LoopExit.
    private final ParkingLot lot = new ParkingLot("Event", Park.Wake.OTHER_THREAD);

    /** Sets the flag and wakes every waiting fiber. */
    public void set() {
        flag = true;
        lot.unparkAll(Boolean.TRUE);
    }

    public void clear() {
        flag = false;
    }

    public boolean isSet() {
        return flag;
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
        return lot.park(deadline, null) != Park.TIMED_OUT || flag;
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
