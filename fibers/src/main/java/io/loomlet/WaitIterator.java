package io.loomlet;

import io.loomlet.internal.Errors;
import java.lang.ref.Cleaner;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * What {@link Fibers#iwait} returns: the given waitables in the order they become ready (gevent's
 * {@code iwait}). One pass: it is its own iterator, so a for-each loop over it consumes it.
 * Iteration waits, parking only the calling fiber, for the next one to become ready, and ends when
 * {@code count} have been returned, or when the timeout (measured from the {@code iwait} call)
 * passes.
 *
 * <p>It watches every waitable until it ends. It lets go of them when it ends, when it is closed
 * (it is {@link AutoCloseable}: {@code try (var it = Fibers.iwait(...)) { ... }}), when a wait in
 * it throws, and, if it is simply abandoned (a loop that breaks out early), once it is garbage:
 * no watcher of an abandoned iterator stays on a long-lived event or semaphore.
 *
 * @param <W> the waitables' type
 */
public final class WaitIterator<W extends Waitable> implements Iterator<W>, Iterable<W>, AutoCloseable {
    private final List<W> all;
    private final long deadline;
    private final int limit;
    private final Links links;
    private Cleaner.Cleanable cleanable;
    private Park.Wake wake;
    private int returned;
    /** Ended: all returned, timed out, closed, or a wait threw. */
    private boolean over;

    WaitIterator(List<W> all, long deadline, int limit) {
        this.all = all;
        this.deadline = deadline;
        this.limit = limit;
        this.links = new Links(all);
    }

    /** The cleaner of abandoned iterators: one daemon thread, made on first use. */
    private static final class Cleaners {
        static final Cleaner CLEANER = Cleaner.create(Thread.ofPlatform().daemon().name("loomlet-iwait-cleaner").factory());
    }

    /**
     * The watcher registered with every waitable, and the iterator's shared state. It holds no
     * reference to the iterator, so an abandoned iterator can become garbage and its cleaner run
     * {@link #run()}, which unwatches.
     */
    private static final class Links implements Waitable.Watcher, Runnable {
        private final List<? extends Waitable> all;
        // Guarded by this: watchers are told on any thread.
        private final ArrayDeque<Waitable> ready = new ArrayDeque<>();
        private Fiber waiter;
        private int waiterPark;
        private boolean closed;

        Links(List<? extends Waitable> all) {
            this.all = all;
        }

        @Override
        public void ready(Waitable source) {
            Fiber w;
            int park;
            synchronized (this) {
                if (closed) {
                    return;
                }
                ready.addLast(source);
                w = waiter;
                park = waiterPark;
                waiter = null;
            }
            if (w != null) {
                Park.unparkFromAnyThread(w, park, Boolean.TRUE);
            }
        }

        /** Unwatches everything: when the iterator ends, is closed, or (from the cleaner's thread) was abandoned. */
        @Override
        public void run() {
            synchronized (this) {
                closed = true;
                waiter = null;
            }
            for (Waitable w : all) {
                try {
                    w.unwatch(this);
                } catch (Throwable t) {
                    Errors.printToStderr("iwait could not unwatch " + w, t);
                }
            }
        }

        @Override
        public String toString() {
            return "iwait";
        }
    }

    @Override
    public Iterator<W> iterator() {
        return this;
    }

    @Override
    public boolean hasNext() {
        if (over) {
            return false;
        }
        if (returned >= limit) {
            close();
            return false;
        }
        Hub h = Hub.current();
        if (cleanable == null) {
            register(h);
        }
        for (;;) {
            Fiber self = h.sched.current();
            synchronized (links) {
                if (!links.ready.isEmpty()) {
                    return true;
                }
                links.waiter = self;
                links.waiterPark = Park.parkId(self);
            }
            Object r;
            try {
                r = Park.park(links, deadline, wake, null); // a late wake finds the park over: no abort
            } catch (Throwable t) {
                self.parkSeq++; // the park may have thrown before it parked: retire its number
                close();
                throw t;
            }
            if (r == Park.TIMED_OUT) {
                synchronized (links) {
                    links.waiter = null;
                    if (links.ready.isEmpty()) {
                        close();
                        return false;
                    }
                }
            }
        }
    }

    private void register(Hub h) {
        cleanable = Cleaners.CLEANER.register(this, links);
        // A wait that another thread may end is no LoopExit: a task of another hub, or anything but a task.
        wake = Park.Wake.SAME_HUB;
        for (W w : all) {
            if (!(w instanceof Awaitable<?> a) || a.completesOutside(h)) {
                wake = Park.Wake.OTHER_THREAD;
            }
        }
        for (W w : all) {
            if (!w.watch(links)) {
                links.ready(w);
            }
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public W next() {
        if (!hasNext()) {
            throw new NoSuchElementException("iwait: nothing more is ready (" + returned + " returned)");
        }
        W w;
        synchronized (links) {
            w = (W) links.ready.pollFirst();
        }
        if (++returned >= limit) {
            close();
        }
        return w;
    }

    /** Ends the iteration and unwatches everything; harmless when ended already. */
    @Override
    public void close() {
        over = true;
        if (cleanable != null) {
            cleanable.clean();
        }
    }

    @Override
    public String toString() {
        return "iwait[" + returned + " of " + limit + " returned" + (over ? ", ended" : "") + "]";
    }
}
