package io.loomlet;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.atomic.MpscUnboundedAtomicArrayQueue;

/**
 * What other threads send to a hub: an MPSC queue drained by the hub's thread once per pass, and
 * the wake-up of a hub that sleeps (trio's {@code _entry_queue}, Netty's task queue).
 *
 * <p>Confinement: {@link #offer} from any thread; everything else from the hub's thread.
 */
final class Inbox {
    /** A sent item with something to finish when the hub closes before running it (a task's start). */
    interface OnClose {
        /** Called on the closing hub's thread instead of {@code run()}. */
        void hubClosed();
    }

    private static final int AWAKE = 0;
    /** Parked with LockSupport: no channel is waited on, so the hub needs no Selector. */
    private static final int PARKED = 1;
    /** In Selector.select. */
    private static final int SELECTING = 2;
    private static final VarHandle SLEEPING;

    static {
        try {
            SLEEPING = MethodHandles.lookup().findVarHandle(Inbox.class, "sleeping", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Thread thread;
    private final Reactor reactor;
    // JCTools' atomic (field-updater) flavour: the Unsafe flavour makes JDK 24+ print a deprecation
    // warning in every program that uses Loomlet; the inbox is not hot enough for the difference to matter.
    private final MpscUnboundedAtomicArrayQueue<Runnable> queue = new MpscUnboundedAtomicArrayQueue<>(256);

    /*
     * The sleeping flag: written AWAKE -> PARKED/SELECTING by the hub thread as it goes to sleep, and
     * back to AWAKE by whoever wakes it (a sender's CAS, or the hub itself on waking). Both sides use
     * volatile (sequentially consistent) accesses, in opposite orders:
     *
     *   hub:    sleeping = PARKED;  if (!queue.isEmpty()) don't sleep;  else park
     *   sender: queue.offer(r);     if (sleeping != AWAKE && CAS(sleeping -> AWAKE)) unpark(hub)
     *
     * BAD (a lost wake-up) would need the hub to see an empty queue AND the sender to see AWAKE.
     * That is impossible: if the hub's read of the queue comes before the offer, its store of PARKED
     * comes earlier still, so the sender's later read of sleeping sees PARKED and unparks (OK). If the
     * offer comes first, the hub sees the item and does not sleep (OK). A wake that arrives after the
     * hub woke by itself is only a spurious unpark or wakeup (OK, harmless).
     */
    private volatile int sleeping;

    /*
     * Closing races with senders: a sender that read closed == false must finish its offer before the
     * hub takes the queue's last items, or its item would be dropped unseen (a HubGroup task that
     * never starts and never ends). Each sender counts itself in `sending` around its check and offer;
     * close() sets closed and then waits for `sending` to reach zero. Sequential consistency again:
     * either the closer's read of `sending` sees the sender (and waits for it), or the sender's read of
     * `closed`, which comes after its increment, sees true (and it gives up, returning false).
     */
    private volatile boolean closed;
    private final AtomicInteger sending = new AtomicInteger();

    Inbox(Thread thread, Reactor reactor) {
        this.thread = thread;
        this.reactor = reactor;
    }

    /** Queues {@code r} for the hub's thread and wakes the hub if it sleeps; false if the hub is closed. */
    boolean offer(Runnable r) {
        sending.incrementAndGet();
        try {
            if (closed) {
                return false;
            }
            queue.offer(r);
        } finally {
            sending.decrementAndGet();
        }
        int s = sleeping;
        if (s != AWAKE && SLEEPING.compareAndSet(this, s, AWAKE)) {
            if (s == PARKED) {
                LockSupport.unpark(thread);
            } else {
                reactor.wakeup();
            }
        }
        return true;
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    /** True while the hub sleeps (for the watchdog: a sleeping hub is idle, not stalled). */
    boolean isSleeping() {
        return sleeping != AWAKE;
    }

    /**
     * Parks the hub's thread until something is sent, or {@code nanos} pass (negative: no limit).
     * Used while no channel is waited on, so a hub that never does I/O owns no file descriptor.
     */
    void park(long nanos) {
        SLEEPING.setVolatile(this, PARKED);
        try {
            if (!queue.isEmpty()) {
                return;
            }
            if (nanos < 0) {
                LockSupport.park(this);
            } else if (nanos > 0) {
                LockSupport.parkNanos(this, nanos);
            }
        } finally {
            SLEEPING.setVolatile(this, AWAKE);
        }
    }

    /** Marks the hub as about to select; false (and awake again) if something was sent meanwhile. */
    boolean beginSelect() {
        SLEEPING.setVolatile(this, SELECTING);
        if (!queue.isEmpty()) {
            SLEEPING.setVolatile(this, AWAKE);
            return false;
        }
        return true;
    }

    void endSelect() {
        SLEEPING.setVolatile(this, AWAKE);
    }

    /** Takes the next item, or null. Hub thread only (the single consumer). */
    Runnable poll() {
        return queue.relaxedPoll();
    }

    /**
     * Refuses further items and returns those not run yet. After it returns no sender can add
     * anything: see the closing race above. Hub thread only.
     */
    List<Runnable> close() {
        closed = true;
        while (sending.get() != 0) {
            Thread.onSpinWait(); // a sender is between its check and its offer: a few instructions
        }
        List<Runnable> left = new ArrayList<>();
        for (Runnable r; (r = queue.relaxedPoll()) != null; ) {
            left.add(r);
        }
        return left;
    }

    boolean isClosed() {
        return closed;
    }
}
