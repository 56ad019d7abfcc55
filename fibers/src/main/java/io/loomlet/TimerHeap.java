package io.loomlet;

import java.util.Arrays;

/**
 * A binary min-heap of {@link TimerNode}s ordered by (deadline, insertion order): O(log n) add and
 * remove, O(1) peek, no allocation once the array has grown. At 10^6 timers a heap does ~20
 * compares per operation; a timing wheel would be O(1) but coarse, and deadlines here are
 * nanosecond-exact (a sleep of 1 ms must not wake after 0.9 ms).
 *
 * <p>Confinement: owned by one hub thread; not thread-safe.
 */
final class TimerHeap {
    private TimerNode[] heap = new TimerNode[64];
    private int size;
    private int nextSeq;

    boolean isEmpty() {
        return size == 0;
    }

    /** The node with the earliest deadline, or null. */
    TimerNode peek() {
        return size == 0 ? null : heap[0];
    }

    /** Arms {@code node} for {@code deadline}, re-arming it if it was armed already. */
    void add(TimerNode node, long deadline) {
        if (node.index >= 0) {
            remove(node);
        }
        node.deadline = deadline;
        node.seq = nextSeq++;
        int i = size;
        if (i == heap.length) {
            heap = Arrays.copyOf(heap, i * 2); // may fail (no memory): nothing has changed yet
        }
        heap[i] = node; // the last step that can fail
        size = i + 1;
        node.index = i;
        siftUp(i);
    }

    /** Disarms {@code node}; harmless when it is not armed. */
    void remove(TimerNode node) {
        int i = node.index;
        if (i < 0) {
            return;
        }
        node.index = TimerNode.NOT_ARMED;
        TimerNode last = heap[--size];
        heap[size] = null;
        if (i != size) {
            heap[i] = last;
            last.index = i;
            siftDown(i);
            if (heap[i] == last) {
                siftUp(i);
            }
        }
        if (heap.length > 1024 && size < heap.length / 4) {
            // give memory back after a burst (a million sleepers that all woke)
            heap = Arrays.copyOf(heap, heap.length / 2);
        }
    }

    /** Removes and returns the earliest node if its deadline is at or before {@code now}. */
    TimerNode pollDue(long now) {
        if (size == 0 || heap[0].deadline - now > 0) {
            return null;
        }
        TimerNode n = heap[0];
        remove(n);
        return n;
    }

    /** Disarms every node and returns them (a closing hub tells each one). */
    TimerNode[] clear() {
        TimerNode[] left = Arrays.copyOf(heap, size);
        for (int i = 0; i < size; i++) {
            heap[i].index = TimerNode.NOT_ARMED;
            heap[i] = null;
        }
        size = 0;
        return left;
    }

    private static boolean before(TimerNode a, TimerNode b) {
        // Overflow-safe comparisons of nanoTime values and of the wrapping insertion counter:
        // deadlines are kept within 2^62 ns of now (Deadlines), so differences never overflow.
        long d = a.deadline - b.deadline;
        return d < 0 || (d == 0 && a.seq - b.seq < 0);
    }

    private void siftUp(int i) {
        TimerNode n = heap[i];
        while (i > 0) {
            int p = (i - 1) >>> 1;
            TimerNode parent = heap[p];
            if (!before(n, parent)) {
                break;
            }
            heap[i] = parent;
            parent.index = i;
            i = p;
        }
        heap[i] = n;
        n.index = i;
    }

    private void siftDown(int i) {
        TimerNode n = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int c = 2 * i + 1;
            TimerNode child = heap[c];
            int r = c + 1;
            if (r < size && before(heap[r], child)) {
                c = r;
                child = heap[c];
            }
            if (!before(child, n)) {
                break;
            }
            heap[i] = child;
            child.index = i;
            i = c;
        }
        heap[i] = n;
        n.index = i;
    }
}
