package io.loomlet.internal;

/**
 * An entry of a {@link TimerHeap}. Subclasses say what firing means. A node knows its own slot in
 * the heap, which is what makes cancellation O(log n) instead of a scan, and lets a fiber reuse one
 * node for every sleep and park deadline it ever has: arming a timer allocates nothing.
 *
 * <p>Confinement: a node is only touched by the thread that owns its heap.
 */
public abstract class TimerNode {
    /** Deadline in {@link System#nanoTime()} units. */
    long deadline;
    /** Insertion order, so that timers due at the same instant fire first-in first-out. */
    long seq;
    /** Slot in the heap array, or -1 when not armed. */
    int index = -1;

    /** Called by the heap's owner when the deadline has passed and the node was removed. */
    public abstract void fire();

    public final boolean isArmed() {
        return index >= 0;
    }

    public final long deadline() {
        return deadline;
    }
}
