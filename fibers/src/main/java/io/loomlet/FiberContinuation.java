package io.loomlet;

import io.loomlet.internal.Pinning;
import jdk.internal.vm.Continuation;

/** The continuation of a user fiber; reports pinning instead of throwing, so the hub can fall back. */
final class FiberContinuation extends Continuation {
    private final Fiber fiber;

    FiberContinuation(Fiber fiber) {
        // A bound method reference costs 16 bytes per fiber. A shared static entry that found the
        // fiber through the hub was tried and cost more: its frame made every parked stack chunk
        // 20-30 bytes bigger (memory harness, --histogram).
        super(Fiber.SCOPE, fiber::runInContinuation);
        this.fiber = fiber;
    }

    @Override
    protected void onPinned(Pinned reason) {
        // Continuation.yield will return false; Scheduler.switchAway sees it and runs the loop on this
        // fiber's stack.
        Pinning.warnOnce(fiber.name(), reason.toString());
        Events.pinned(fiber.name(), reason.toString());
    }
}
