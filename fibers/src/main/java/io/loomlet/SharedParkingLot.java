package io.loomlet;

import io.loomlet.internal.Errors;
import java.util.ArrayList;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * <b>Low-level:</b> a FIFO list of parked fibers that may belong to different hubs, and that any
 * thread may wake: the wait list of the primitives shared between threads ({@code Event},
 * {@code Semaphore}, {@code BoundedSemaphore}, {@code Lock}, {@code RLock}, {@code Condition}).
 * It keeps {@link ParkingLot}'s contract across threads: first come first served, the lot brings
 * its own abort, and what a waiter was handed is never lost.
 *
 * <ul>
 *   <li><b>One monitor.</b> Every change of the list happens under this lot's monitor, held for a
 *       few field writes and the wakes, never across a park or a switch: a hub's thread waits there
 *       for microseconds at most. The fiber is the list node (as in {@link ParkingLot}), so parking
 *       allocates nothing. A primitive that is confined to one thread for a while (biased) may have
 *       the changes made without the monitor then ({@link #enterConfined()}).</li>
 *   <li><b>The grant decides.</b> {@link #unparkOne} takes the longest waiter off the list and hands
 *       it its value under the monitor; the wake that follows only tells it so: at once for a
 *       waiter of the waker's own hub, through that hub's inbox for one of another hub
 *       ({@link Park#unparkFromAnyThread}). A waiter whose deadline passes after it was handed a
 *       value, while the wake is still on its way, keeps the value: {@link #park} returns it. One
 *       cancelled (killed, timed out by a {@code Timeout}) after it was handed a value gives it to
 *       its {@code onAbandon}, so the primitive can pass it on.</li>
 *   <li><b>A primitive's own state.</b> A subclass says what "must wait" means in
 *       {@link #mustWait()}, checked under the monitor together with the append, and learns when
 *       the list becomes empty in {@link #emptied()}: a primitive whose state word carries a
 *       "waiters queued" flag keeps it exact with these two, and its waker, which takes the same
 *       monitor, can never miss a waiter.</li>
 * </ul>
 *
 * <p>A primitive that is a {@link Waitable} keeps its watchers here too ({@link #watch},
 * {@link #unwatch}, {@link #notifyWatchers}).
 *
 * <p>Who may wake a waiter is declared per park ({@link Park.Wake}): a primitive that any thread
 * may signal declares {@link Park.Wake#OTHER_THREAD}, so its waits are never taken for a
 * {@link LoopExit}.
 *
 * <p>Thread-safety: every method from any thread; {@link #park} parks the calling fiber (or runs
 * the hub from a thread's root, as every blocking call does).
 */
public class SharedParkingLot extends WaitList {
    /** {@link #park} returns this when {@link #mustWait()} said no: the caller did not wait. */
    public static final Object NOT_PARKED = Signal.NOT_PARKED;

    private enum Signal { NOT_PARKED }

    private final String name;
    /** trio's abort_fn, one per lot: a timed-out or cancelled waiter leaves the list at once. */
    private final Park.Abort abort = this::leave;
    // The list (WaitList) is guarded by this.
    /** One-shot watchers of the primitive (guarded by this); {@code watched} says whether there are any. */
    private ArrayList<Waitable.Watcher> watchers;
    private volatile boolean watched;

    /**
     * A lot with no state of its own: every park waits.
     *
     * @param name what waiters here wait for, shown by {@link Fibers#dump()}
     */
    public SharedParkingLot(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /**
     * Called under the lot's monitor (or in the primitive's confined window, see {@link #enterConfined()}) just before a fiber is appended: false if it need not wait
     * (the primitive's condition holds, or it took what it wanted here, e.g. a free permit). May
     * change the primitive's state, e.g. set its "waiters queued" flag. Must not block. The default
     * always waits.
     */
    protected boolean mustWait() {
        return true;
    }

    /** Called under the lot's monitor (or in the confined window) when its last waiter leaves (woken, timed out or cancelled). Must not block. */
    @Override
    protected void emptied() {
    }

    /**
     * For a primitive that is sometimes confined to one thread (the biased primitives of
     * {@code io.loomlet.sync}): true if the calling thread may change the list without the monitor
     * now, because no other thread can touch it until {@link #exitConfined()}; the lot then does the
     * change there, and closes with {@link #exitConfined()} in a {@code finally}. The default: false,
     * always the monitor. While a primitive answers true, {@link #mustWait()} and {@link #emptied()}
     * run without the monitor, on that thread.
     */
    protected boolean enterConfined() {
        return false;
    }

    /** Ends what a true {@link #enterConfined()} began. */
    protected void exitConfined() {
    }

    /**
     * Parks the current fiber at the tail, unless {@link #mustWait()} says no, until
     * {@link #unparkOne} or {@link #unparkAll} reaches it, {@code deadline} ({@link System#nanoTime()},
     * or {@link Park#NO_DEADLINE}) passes, or it is cancelled. Returns the value it was handed (also
     * when the deadline passed after it was handed one), {@link Park#TIMED_OUT}, or
     * {@link #NOT_PARKED}.
     *
     * <p>If the fiber is cancelled after it was handed a value, {@code onAbandon} (may be null)
     * receives that value before the exception propagates.
     *
     * @param wake who may wake it: {@link Park.Wake#OTHER_THREAD} when any thread may
     */
    public final Object park(long deadline, Park.Wake wake, Consumer<Object> onAbandon) {
        return park(deadline, wake, onAbandon, null);
    }

    /**
     * As {@link #park(long, Park.Wake, Consumer)}, running {@code queued} (may be null) once the
     * fiber is on the list, outside the monitor, just before it parks: a condition variable releases
     * its lock there, so that a signal sent by the next holder finds the waiter listed. If
     * {@code queued} throws, the fiber leaves the list and the exception propagates.
     */
    public final Object park(long deadline, Park.Wake wake, Consumer<Object> onAbandon, Runnable queued) {
        Fiber self = Fiber.current();
        boolean listed;
        if (enterConfined()) {
            try {
                listed = enqueue(self);
            } finally {
                exitConfined();
            }
        } else {
            synchronized (this) {
                listed = enqueue(self);
            }
        }
        if (!listed) {
            return NOT_PARKED;
        }
        Object r;
        try {
            if (queued != null) {
                queued.run();
            }
            r = self.park(this, deadline, wake, abort);
        } catch (Throwable t) {
            // The park may have thrown before it parked (a pending Timeout, a closed hub): its number did
            // not move then, and a wake sent meanwhile from another thread would hit the next park.
            self.parkSeq++;
            Object grant = leaveAndTakeGrant(self);
            if (grant != null && onAbandon != null) {
                try {
                    onAbandon.accept(grant);
                } catch (Throwable passOnFailed) {
                    t.addSuppressed(passOnFailed);
                }
            }
            throw t;
        }
        if (r == Park.TIMED_OUT || self.lot == this) {
            // The abort took it off the list, unless a waker handed it a value first: that counts.
            Object grant = leaveAndTakeGrant(self);
            return grant != null ? grant : r;
        }
        self.lotGrant = null; // woken: the waker took it off the list and nobody else writes it now
        return r;
    }

    /** Under the monitor or confined: appends {@code self} unless {@link #mustWait()} says no. */
    private boolean enqueue(Fiber self) {
        if (!mustWait()) {
            return false;
        }
        self.lotGrant = null;
        append(self);
        return true;
    }

    /**
     * Hands {@code value} (non-null) to the longest waiter and wakes it; returns that fiber, or null
     * if nobody waits.
     */
    public final Fiber unparkOne(Object value) {
        Objects.requireNonNull(value, "value");
        if (enterConfined()) {
            try {
                return grantFirst(value);
            } finally {
                exitConfined();
            }
        }
        synchronized (this) {
            return grantFirst(value);
        }
    }

    /** Hands {@code value} (non-null) to every waiter and wakes them; returns how many. */
    public final int unparkAll(Object value) {
        Objects.requireNonNull(value, "value");
        if (enterConfined()) {
            try {
                return grantAll(value);
            } finally {
                exitConfined();
            }
        }
        synchronized (this) {
            return grantAll(value);
        }
    }

    private Fiber grantFirst(Object value) {
        Fiber f = head;
        if (f != null) {
            grant(f, value);
        }
        return f;
    }

    private int grantAll(Object value) {
        int n = 0;
        for (Fiber f; (f = head) != null; n++) {
            grant(f, value);
        }
        return n;
    }

    /**
     * For a primitive that is a {@link Waitable} ({@code source}): registers {@code w} to be told
     * once, by {@link #notifyWatchers}, unless {@code source} is ready now (then false). The
     * primitive calls {@link #notifyWatchers} after every change that may make it ready; this
     * method checks readiness again after publishing the watcher, so one that became ready in
     * between, by a change that found no watcher yet, is not missed.
     */
    public final boolean watch(Waitable source, Waitable.Watcher w) {
        Objects.requireNonNull(w, "watcher");
        synchronized (this) {
            if (source.isReady()) {
                return false;
            }
            if (watchers == null) {
                watchers = new ArrayList<>(2);
            }
            watchers.add(w);
            watched = true;
        }
        if (source.isReady()) {
            synchronized (this) {
                if (watchers != null && watchers.remove(w)) {
                    return false; // nobody told it yet: say "ready now" instead
                }
            }
        }
        return true;
    }

    /** Removes {@code w} if it watches here; harmless otherwise. */
    public final void unwatch(Waitable.Watcher w) {
        Objects.requireNonNull(w, "watcher");
        if (watched) {
            synchronized (this) {
                if (watchers != null) {
                    watchers.remove(w);
                }
            }
        }
    }

    /**
     * Tells every watcher that {@code source} became ready, once each, on this thread and outside
     * the monitor; they are forgotten. Cheap when nobody watches (one volatile read).
     */
    public final void notifyWatchers(Waitable source) {
        if (!watched) {
            return;
        }
        ArrayList<Waitable.Watcher> ws;
        synchronized (this) {
            ws = watchers;
            watchers = null;
            watched = false;
        }
        if (ws != null) {
            for (Waitable.Watcher w : ws) {
                try {
                    w.ready(source);
                } catch (Throwable t) {
                    Errors.printToStderr("a watcher of " + source + " failed", t);
                }
            }
        }
    }

    /** Under the monitor or confined: off the list, handed its value, woken wherever it lives. */
    private void grant(Fiber f, Object value) {
        remove(f);
        f.lotGrant = value;
        // f is in the park it appended itself for (the number moves only when that park ends, and it
        // left the list before then), so this number is the right one even read from another thread.
        Park.unparkFromAnyThread(f, f.parkSeq, value);
    }

    /** The abort: runs on the waiter's hub thread when its park ends by deadline or cancellation. */
    private void leave(Fiber f) {
        if (enterConfined()) {
            try {
                remove(f);
            } finally {
                exitConfined();
            }
            return;
        }
        synchronized (this) {
            remove(f);
        }
    }

    private Object leaveAndTakeGrant(Fiber self) {
        if (enterConfined()) {
            try {
                return takeGrant(self);
            } finally {
                exitConfined();
            }
        }
        synchronized (this) {
            return takeGrant(self);
        }
    }

    private Object takeGrant(Fiber self) {
        remove(self);
        Object grant = self.lotGrant;
        self.lotGrant = null;
        return grant;
    }

    @Override
    public String toString() {
        return name;
    }
}
