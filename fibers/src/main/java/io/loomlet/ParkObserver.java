package io.loomlet;

/**
 * A hook the kernel calls around every park while one is installed ({@code Scheduler.observer}):
 * how diagnostics (the watchdog's monitor tracking) watch parks without the kernel knowing them.
 * Null when off, so a park pays one volatile read. Calls come on the hub's thread and must not
 * block or throw.
 */
interface ParkObserver {
    /** {@code f}, the current fiber, is about to park. */
    void parking(Fiber f);

    /** {@code f} is back from its park (woken, timed out, cancelled or failed). */
    void resumed(Fiber f);
}
