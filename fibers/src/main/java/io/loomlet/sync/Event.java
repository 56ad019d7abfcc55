package io.loomlet.sync;

import io.loomlet.Park;
import io.loomlet.SharedParkingLot;
import io.loomlet.Waitable;
import io.loomlet.internal.Deadlines;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
 *
 * <p>While one thread alone has used it (all the fibers of one hub), {@link #set()} and
 * {@link #clear()} are plain writes ({@link Biased}); the first set, clear, wait or watch from
 * another thread revokes that for good. {@link #isSet()} never does: it reads the flag with
 * acquire, and a set writes it with release, so what the setter wrote before is visible to a
 * thread that sees the flag.
 */
public final class Event extends Biased implements Waitable {
    private static final VarHandle FLAG;
    private static final VarHandle MAY_HAVE_WAITERS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            FLAG = l.findVarHandle(Event.class, "flag", boolean.class);
            MAY_HAVE_WAITERS = l.findVarHandle(Event.class, "mayHaveWaiters", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        // Links the release store that set and clear make inside their bias window now: linked there for
        // the first time, it could overflow the stack and leave the window open (see Biased).
        FLAG.setRelease(new Event(), false);
    }

    /**
     * The flag. Inside a bias window written with release stores; everywhere else with volatile
     * accesses (the Dekker below needs them once other threads take part).
     */
    private boolean flag;
    /**
     * True from the moment a fiber decides, under the lot's monitor, whether to wait, until the lot
     * empties again. The waiter writes it and then reads {@code flag}; {@link #set()} writes
     * {@code flag} and then reads this; both volatile, so at least one of them sees the other's write
     * (Dekker): a waiter either sees the flag or is on the list that {@code set()} then wakes under
     * the monitor. So a set with nobody waiting takes no monitor. A waiter that finds the flag set
     * while nobody waits clears it again (under the monitor no other waiter can be announcing
     * itself), so it does not stay true for later sets. Always accessed volatile (under the monitor or
     * beside the flag's volatile accesses), except its plain read in a bias window: while biased, only
     * the owner thread waits, so only it writes this.
     */
    private boolean mayHaveWaiters;
    private final SharedParkingLot lot = new SharedParkingLot("Event") {
        @Override
        protected boolean mustWait() {
            MAY_HAVE_WAITERS.setVolatile(Event.this, true);
            if (!(boolean) FLAG.getVolatile(Event.this)) {
                return true;
            }
            if (isEmpty()) {
                MAY_HAVE_WAITERS.setVolatile(Event.this, false);
            }
            return false;
        }

        @Override
        protected void emptied() {
            MAY_HAVE_WAITERS.setVolatile(Event.this, false);
        }

        @Override
        protected boolean enterConfined() {
            return Event.this.enter();
        }

        @Override
        protected void exitConfined() {
            Event.this.exit();
        }
    };

    /** Sets the flag and wakes every waiting fiber. From any thread. */
    public void set() {
        boolean waiters;
        if (enter()) {
            boolean was = flag;
            FLAG.setRelease(this, true);
            waiters = mayHaveWaiters;
            exit();
            if (was) {
                return;
            }
        } else {
            if ((boolean) FLAG.getVolatile(this)) {
                return; // nobody can have queued since: a waiter checks the flag as it queues
            }
            FLAG.setVolatile(this, true);
            waiters = (boolean) MAY_HAVE_WAITERS.getVolatile(this);
        }
        if (waiters) {
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
        if (enter()) {
            FLAG.setRelease(this, false);
            exit();
            return;
        }
        FLAG.setVolatile(this, false);
    }

    public boolean isSet() {
        return (boolean) FLAG.getAcquire(this);
    }

    /** The same as {@link #isSet()} (gevent's {@code ready()}). */
    @Override
    public boolean isReady() {
        return (boolean) FLAG.getAcquire(this);
    }

    /** Low-level ({@link Waitable}): {@code w} is told when the event is set. */
    @Override
    public boolean watch(Waitable.Watcher w) {
        own(); // a watcher of another thread revokes the bias: a set must then see it
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
        if ((boolean) FLAG.getAcquire(this)) {
            return true;
        }
        own(); // a waiter of another thread revokes the bias: a set must then find it queued
        return lot.park(deadline, Park.Wake.OTHER_THREAD, null) != Park.TIMED_OUT || (boolean) FLAG.getVolatile(this);
    }

    /** Fibers waiting now. */
    public int waiters() {
        return lot.waiters();
    }

    @Override
    public String toString() {
        return "Event[" + (isSet() ? "set" : "unset") + ", waiters " + lot.waiters() + "]";
    }
}
