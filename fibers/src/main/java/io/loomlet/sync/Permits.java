package io.loomlet.sync;

import io.loomlet.Park;
import io.loomlet.SharedParkingLot;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;

/**
 * The permit counter behind {@link Semaphore}, {@link BoundedSemaphore} and {@link Lock} (a lock is
 * one permit with an owner), safe across hubs and threads.
 *
 * <p>One {@code int} state word, changed by compare-and-set: the free permits in bits 1..31 and, in
 * bit 0, {@code QUEUED}: fibers wait in the lot. {@code QUEUED} is set and cleared only under the
 * lot's monitor, together with the append of the first waiter and the departure of the last
 * ({@link SharedParkingLot#mustWait}, {@link SharedParkingLot#emptied}), so it says exactly
 * whether anyone waits; while it is set no permit is free (a released permit goes to a waiter), so
 * the state is then exactly {@code QUEUED} and the fast paths below, which never take the monitor,
 * leave it alone:
 *
 * <pre>
 *   take:  permits &gt; 0               CAS permits-1                 (no lock)
 *          else, under the monitor: take a permit freed meanwhile, or set QUEUED and append; park
 *   give:  not QUEUED                  CAS permits+1                 (no lock)
 *          QUEUED, under the monitor:  hand the permit to the longest waiter (or, if the last one
 *                                      just left, go round again)
 * </pre>
 *
 * A waiter can therefore never park while a permit is free: either its check under the monitor
 * sees the permit, or the giver, finding {@code QUEUED}, takes the monitor after the waiter's
 * append and hands the permit to it.
 *
 * <p><b>Biased.</b> While one thread alone has used the permits (all the fibers of one hub), the two
 * fast paths are plain reads and writes of the state word inside a {@link Biased} window: no
 * compare-and-set, as fast as a hub-confined counter. The first use from another thread revokes the
 * bias, and from then on everyone takes the paths above. The waiting paths keep the protocol above
 * in either mode (the state word's compare-and-sets, {@code QUEUED}); while biased, the lot's list
 * changes are made in a bias window instead of under its monitor.
 */
abstract class Permits extends Biased {
    /** Bit 0 of the state: fibers wait in the lot. */
    static final int QUEUED = 1;
    /** One permit, in the state word. */
    static final int ONE = 2;
    /** The most permits the state word holds. */
    static final int MAX_PERMITS = Integer.MAX_VALUE >>> 1;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Permits.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The state word. Not volatile: inside a bias window it is read plainly and written with release
     * stores (free on x86; a snapshot reader's acquire read then sees what the owner did before);
     * everywhere else through {@code STATE} with volatile reads and compare-and-set.
     */
    private int state;
    /** The most the state word may hold before a give must take the slow path (a bound's check). */
    private final int giveLimit;
    final SharedParkingLot lot;
    /** A waiter cancelled after it was handed a permit passes it on. */
    private final Consumer<Object> abandon = grant -> give();

    Permits(int permits, String name) {
        this(permits, name, MAX_PERMITS);
    }

    /**
     * @param bound the most permits that may be free (a {@link BoundedSemaphore}'s), or
     *     {@link #MAX_PERMITS}
     */
    Permits(int permits, String name, int bound) {
        if (permits < 0 || permits > MAX_PERMITS) {
            throw new IllegalArgumentException(name + ": permits must be between 0 and " + MAX_PERMITS + ": " + permits);
        }
        STATE.setRelease(this, permits * ONE);
        this.giveLimit = (bound - 1) * ONE;
        this.lot = new Lot(name);
    }

    /** Free permits now (0 while fibers wait); from another thread, a snapshot. */
    final int freePermits() {
        return (int) STATE.getAcquire(this) >>> 1;
    }

    /** Takes a free permit if there is one, without waiting. */
    final boolean tryTake() {
        if (enter()) {
            int s = state;
            boolean took = s >= ONE;
            if (took) {
                STATE.setRelease(this, s - ONE); // release: a snapshot reader (availablePermits) sees what came before
            }
            exit();
            return took;
        }
        for (int s = (int) STATE.getVolatile(this); s >= ONE; s = (int) STATE.getVolatile(this)) {
            if (STATE.compareAndSet(this, s, s - ONE)) {
                return true;
            }
        }
        return false;
    }

    /** Takes a permit, parking until {@code deadline}; true if it got one. */
    final boolean take(long deadline, Park.Wake wake) {
        return lot.park(deadline, wake, abandon) != Park.TIMED_OUT;
    }

    /** Returns a permit: to the longest waiter if one waits, else to the count. */
    final void give() {
        if (enter()) {
            int s = state;
            if (s <= giveLimit && (s & QUEUED) == 0) {
                STATE.setRelease(this, s + ONE);
                exit();
                permitFreed();
                return;
            }
            exit(); // a waiter to hand it to, or a bound to check: the thread-safe path
        }
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & QUEUED) == 0) {
                checkGive(s >>> 1);
                if (STATE.compareAndSet(this, s, s + ONE)) {
                    permitFreed();
                    return;
                }
            } else if (lot.unparkOne(Grant.PERMIT) != null) {
                return;
            }
            // else the last waiter left between the read and the monitor: QUEUED is clear now
        }
    }

    /** After a permit went back to the count (not to a waiter): a Semaphore tells its watchers. */
    void permitFreed() {
    }

    /** Refuses a give that would make {@code free + 1} permits free (BoundedSemaphore); the default allows it. */
    void checkGive(int free) {
    }

    /** The lot, with the state word's side of the protocol above. */
    private final class Lot extends SharedParkingLot {
        Lot(String name) {
            super(name);
        }

        @Override
        protected boolean enterConfined() {
            return Permits.this.enter();
        }

        @Override
        protected void exitConfined() {
            Permits.this.exit();
        }

        @Override
        protected boolean mustWait() {
            for (;;) {
                int s = (int) STATE.getVolatile(Permits.this);
                if (s >= ONE) {
                    if (STATE.compareAndSet(Permits.this, s, s - ONE)) {
                        return false; // freed meanwhile: taken here, no wait
                    }
                } else if (s == QUEUED || STATE.compareAndSet(Permits.this, 0, QUEUED)) {
                    return true;
                }
            }
        }

        @Override
        protected void emptied() {
            STATE.getAndBitwiseAnd(Permits.this, ~QUEUED);
        }
    }
}
