package io.loomlet;

import io.loomlet.internal.Pinning;
import jdk.internal.vm.Continuation;

/** The continuation of a user fiber; reports pinning instead of throwing, so the hub can fall back. */
final class FiberContinuation extends Continuation {
    /**
     * Every fiber's entry (see {@link Fiber.Entry}). A shared entry that found its fiber through the
     * hub once made every parked stack chunk bigger (#8); this one reads the continuation mounted on
     * the carrier and keeps nothing live across the body (MemoryHarness --histogram: same chunk).
     */
    private static final Runnable ENTRY = new Fiber.Entry();

    final Fiber fiber;

    FiberContinuation(Fiber fiber) {
        super(Fiber.SCOPE, ENTRY);
        this.fiber = fiber;
    }

    @Override
    protected void onPinned(Pinned reason) {
        // Continuation.yield will return false; Scheduler.yieldTo sees it and runs the loop on this
        // fiber's stack.
        Pinning.warnOnce(fiber.name(), reason.toString(), () -> Watchdog.heldMonitors(fiber));
        Events.pinned(fiber.name(), reason.toString());
    }
}
