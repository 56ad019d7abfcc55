package io.loomlet;

/**
 * A callback scheduled on a hub by {@link Hub#callSoon}, {@link Hub#callLater} or {@link Hub#callAt}
 * (asyncio's {@code Handle}/{@code TimerHandle}): {@link #cancel()} it before it runs and it never
 * will.
 *
 * <p>Confinement: the hub's thread.
 */
public final class Handle {
    private final Hub hub;
    private final Runnable callback;
    private final Timer timer;
    private boolean cancelled;
    /** Due time in Hub.time() seconds; NaN for callSoon. */
    private double when = Double.NaN;

    Handle(Hub hub, Runnable callback, boolean timed) {
        this.hub = hub;
        this.callback = callback;
        this.timer = timed ? new Timer() : null;
    }

    /** A timed handle's entry in the hub's timer heap: due, it joins the ready queue. */
    private final class Timer extends TimerNode {
        @Override
        void fire() {
            if (!cancelled) {
                hub.sched.enqueue(Handle.this);
            }
        }
    }

    void arm(long deadline) {
        when = deadline / 1e9;
        hub.sched.timers.add(timer, deadline);
    }

    /** A timed handle due too far in the future to arm: it exists, can be cancelled, never runs. */
    void neverDue() {
        when = Double.POSITIVE_INFINITY;
    }

    /** Runs the callback unless cancelled. */
    void run() {
        if (!cancelled) {
            callback.run();
        }
    }

    /** Cancels the callback; from the hub's thread. Harmless if it already ran. */
    public void cancel() {
        hub.checkOwner("cancel a callback");
        cancelled = true;
        if (timer != null && timer.isArmed()) {
            hub.sched.timers.remove(timer);
        }
    }

    public boolean isCancelled() {
        return cancelled;
    }

    /**
     * When a timed callback is due, in {@link Hub#time()} seconds; NaN for {@code callSoon}, and
     * infinity for one due too far in the future to be armed (it never runs).
     */
    public double when() {
        return when;
    }

    @Override
    public String toString() {
        return "Handle[" + callback + (cancelled ? ", cancelled" : "") + "]";
    }
}
