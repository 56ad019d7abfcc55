package io.loomlet;

/**
 * Whether a pinned fiber's wait must hold the hub's thread (see {@code Scheduler.runPinned}). A cold
 * path, in a class of its own so that the loop's hot methods stay small.
 */
final class PinnedWait {
    private PinnedWait() {
    }

    /**
     * True if the frames of {@code self}'s own continuation hold a monitor; called on its stack at a
     * pinned yield. A ThreadMXBean query (tens of microseconds), paid only by pinned waits, which
     * are slow and warned about already. If the JVM cannot say (no management support, no memory),
     * true: a wait that holds the thread is slower, a monitor taken by another fiber is wrong.
     */
    static boolean holdsMonitors(Fiber self) {
        try {
            return Watchdog.monitorsHeldBy(self).length > 0;
        } catch (Throwable e) {
            return true;
        }
    }

    /** The end of LoopExit's message when a pinned fiber's wait holds back {@code heldBack} others. */
    static String heldBackNote(int heldBack) {
        return "; it is pinned and holds monitors, so the hub resumes no other fiber or virtual thread until it "
                + "goes on (" + heldBack + " held back): a wait that only one of them could end never ends";
    }
}
