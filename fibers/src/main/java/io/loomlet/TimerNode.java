package io.loomlet;

/**
 * An entry of a {@link TimerHeap}. Subclasses say what firing means. A node knows its own slot in
 * the heap, which is what makes cancellation O(log n) instead of a scan, and lets a fiber be its
 * own node for every sleep and park deadline it ever has: arming a timer allocates nothing.
 *
 * <p>Confinement: a node is only touched by the thread that owns its heap.
 */
abstract class TimerNode {
    /** Deadline in {@link System#nanoTime()} units. */
    long deadline;
    /** Insertion order, so that timers due at the same instant fire first-in first-out; wraps harmlessly. */
    int seq;
    /** Not in the heap. */
    static final int NOT_ARMED = -1;
    /**
     * A fiber's park set {@link #deadline} and left the insertion to its loop, which makes it before
     * it runs anything else ({@link Scheduler#armPending}); see {@link Strand#park}.
     */
    static final int PENDING = -2;

    /** Slot in the heap array, or {@link #NOT_ARMED}, or {@link #PENDING}. */
    int index = NOT_ARMED;

    /** Called by the heap's owner when the deadline has passed and the node was removed. */
    abstract void fire();

    /**
     * Called instead of {@link #fire()} for a node still armed when its hub closes: a node whose
     * firing would complete something (a task waiting to start) completes it here, so nobody waits
     * forever for a hub that is gone.
     */
    void hubClosed() {
    }

    final boolean isArmed() {
        return index >= 0;
    }

    final long deadline() {
        return deadline;
    }
}
