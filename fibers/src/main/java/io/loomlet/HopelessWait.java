package io.loomlet;

import io.loomlet.internal.Errors;

/**
 * How the loop ends a wait that cannot end by itself: nothing could ever wake it ({@link LoopExit}),
 * or the hub's thread was interrupted ({@link HubInterruptedException}). Cold paths, in a class of
 * their own so that the loop's hot methods stay small enough for the JIT to inline (string building
 * inline made a sleep(0) round trip about 1.5x slower).
 */
final class HopelessWait {
    private HopelessWait() {
    }

    /** {@code heldBack}: how many fibers a pinned waiter holding monitors keeps from running, or -1. */
    static Fiber loopExit(Hub hub, Fiber waiter, int heldBack) {
        LoopExit e;
        try {
            e = new LoopExit("this operation would block forever: the hub of thread " + hub.thread.getName()
                    + " has no fiber ready, no timer, no I/O and no wait another thread may end, so nothing "
                    + "could wake " + waiter.name()
                    + (waiter.blocker() == null ? "" : " (blocked in " + Errors.describe(waiter.blocker()) + ")")
                    + (heldBack < 0 ? "" : PinnedWait.heldBackNote(heldBack)));
        } catch (Throwable failed) {
            e = new LoopExit("this operation would block forever: nothing could wake it");
        }
        return endWait(waiter, e);
    }

    static Fiber interrupted(Hub hub, Fiber waiter) {
        return endWait(waiter, new HubInterruptedException("thread " + hub.thread.getName()
                + " was interrupted while " + waiter.name() + " waited"));
    }

    /** Ends the loop's wait with {@code e} raised in {@code waiter}; returns the fiber to resume now, or null. */
    private static Fiber endWait(Fiber waiter, RuntimeException e) {
        if (waiter.cancel(e)) {
            return null; // now runnable, with e: the next pass resumes it
        }
        // Not parked: the root or the hub fiber waiting for a switch back. Resume it with e.
        waiter.inValue = null;
        waiter.inThrow = e;
        return waiter;
    }
}
