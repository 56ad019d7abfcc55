package io.loomlet.sync;

import java.util.ArrayDeque;
import java.util.Comparator;

/**
 * The one thing {@link FiberQueue}, {@link LifoQueue} and {@link PriorityQueue} differ in: which
 * stored item comes out next (gevent's {@code _put}/{@code _get}/{@code _peek} overrides).
 * {@link AbstractFiberQueue} does all the waiting, counting and shutting down over it.
 *
 * @param <T> the items' type
 */
sealed interface QueueOrder<T> permits QueueOrder.Ends, QueueOrder.Heap {

    /** Refuses an item this order cannot hold, before the queue takes it (a getter may never see it stored). */
    default void check(T item) {
    }

    /** Stores an item that was put. */
    void add(T item);

    /** Stores an item that a cancelled getter gave back, so that it comes out next. */
    void giveBack(T item);

    /** Removes and returns the next item, or null if there is none. */
    T poll();

    /** The next item without removing it, or null. */
    T peek();

    int size();

    void clear();

    /**
     * FIFO or LIFO over one deque: items come out at the head; a FIFO queue adds at the tail, a LIFO
     * queue at the head. An item given back goes to the head either way.
     */
    final class Ends<T> implements QueueOrder<T> {
        private final ArrayDeque<T> items = new ArrayDeque<>();
        private final boolean lifo;

        Ends(boolean lifo) {
            this.lifo = lifo;
        }

        @Override
        public void add(T item) {
            if (lifo) {
                items.addFirst(item);
            } else {
                items.addLast(item);
            }
        }

        @Override
        public void giveBack(T item) {
            items.addFirst(item);
        }

        @Override
        public T poll() {
            return items.pollFirst();
        }

        @Override
        public T peek() {
            return items.peekFirst();
        }

        @Override
        public int size() {
            return items.size();
        }

        @Override
        public void clear() {
            items.clear();
        }
    }

    /**
     * Lowest first by a comparator; items that compare equal come out in the order they were put
     * (each carries a sequence number). An item given back gets a number below every other, so it
     * comes out before the items equal to it.
     */
    final class Heap<T> implements QueueOrder<T> {
        private record Entry<T>(T item, long seq) {
        }

        private final boolean natural;
        private final java.util.PriorityQueue<Entry<T>> heap;
        private long lastPut;
        private long lastGivenBack;

        /** {@code comparator} null: the items' natural order. */
        @SuppressWarnings("unchecked")
        Heap(Comparator<? super T> comparator) {
            this.natural = comparator == null;
            Comparator<? super T> c = natural ? (a, b) -> ((Comparable<Object>) a).compareTo(b) : comparator;
            this.heap = new java.util.PriorityQueue<>((x, y) -> {
                int byItem = c.compare(x.item, y.item);
                return byItem != 0 ? byItem : Long.compare(x.seq, y.seq);
            });
        }

        @Override
        public void check(T item) {
            if (natural && !(item instanceof Comparable)) {
                throw new ClassCastException("PriorityQueue without a comparator orders items by their natural"
                        + " order, and " + item.getClass().getName() + " is not Comparable; give the queue a Comparator");
            }
        }

        @Override
        public void add(T item) {
            heap.add(new Entry<>(item, ++lastPut));
        }

        @Override
        public void giveBack(T item) {
            heap.add(new Entry<>(item, --lastGivenBack));
        }

        @Override
        public T poll() {
            Entry<T> e = heap.poll();
            return e == null ? null : e.item;
        }

        @Override
        public T peek() {
            Entry<T> e = heap.peek();
            return e == null ? null : e.item;
        }

        @Override
        public int size() {
            return heap.size();
        }

        @Override
        public void clear() {
            heap.clear();
        }
    }
}
