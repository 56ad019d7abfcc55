package io.loomlet;

import io.loomlet.internal.Deadlines;
import io.loomlet.internal.Errors;
import io.loomlet.sync.FiberQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * A set of tasks of one hub, tracked until they finish: gevent's {@code Group}. Tasks leave the
 * group as they end. {@link Pool} is a group with a size limit.
 *
 * <p>Confinement: use a group from the fibers of one hub.
 */
public class Group {
    /** A function for map and imap; may throw. */
    @FunctionalInterface
    public interface Fn<A, R> {
        R apply(A arg) throws Exception;
    }

    final Hub hub;
    private final LinkedHashSet<Task<?>> tasks = new LinkedHashSet<>();
    /** Members a kill() already threw FiberExit into (gevent's "dying"): never thrown into twice. */
    private final Set<Task<?>> dying = new HashSet<>();
    private final Awaitable.Listener leave = new Awaitable.Listener() {
        @Override
        public void done(Awaitable<?> a) {
            discard((Task<?>) a);
        }

        @Override
        public boolean observes() {
            return false; // membership is not attention: a failing member is still reported
        }
    };
    /** Wakes join() when the group becomes empty, and Pool.spawn when a slot frees. */
    final ParkingLot changed = new ParkingLot("Group");

    public Group() {
        this.hub = Hub.current();
    }

    /** Spawns {@code c} into the group. */
    public <T> Task<T> spawn(Callable<T> c) {
        Objects.requireNonNull(c, "callable");
        waitForSlot();
        Task<T> t = Fibers.spawn(c);
        addMember(t);
        return t;
    }

    public Task<Void> spawn(Fibers.Action a) {
        return spawn(Fibers.callable(a));
    }

    /** Waits until a task may be added (a Pool waits while full). */
    void waitForSlot() {
        hub.checkOwner("spawn into a group");
    }

    /**
     * Adds a task (of this hub) to the group; it leaves when it ends. A {@link Pool} that is full
     * waits for a slot first, as {@link #spawn} does.
     */
    public void add(Task<?> t) {
        Objects.requireNonNull(t, "task");
        if (t.hub != hub) {
            throw new IllegalStateException(t + " belongs to another hub than this group");
        }
        if (t.isReady() || tasks.contains(t)) {
            return;
        }
        waitForSlot();
        addMember(t);
    }

    private void addMember(Task<?> t) {
        if (t.hub != hub) {
            throw new IllegalStateException(t + " belongs to another hub than this group");
        }
        if (t.isReady() || !tasks.add(t)) {
            return;
        }
        if (!t.addListener(leave)) {
            tasks.remove(t);
        }
    }

    /** Removes {@code t} from the group (it keeps running). */
    public void discard(Task<?> t) {
        dying.remove(t);
        if (tasks.remove(t)) {
            t.removeListener(leave);
            changed.unparkAll(Boolean.TRUE);
        }
    }

    public boolean contains(Task<?> t) {
        return tasks.contains(t);
    }

    /** Tasks in the group now (running or not yet started). */
    public int size() {
        return tasks.size();
    }

    /** Free slots: unbounded for a Group. */
    public int freeCount() {
        return Integer.MAX_VALUE;
    }

    public List<Task<?>> tasks() {
        return new ArrayList<>(tasks);
    }

    /** Waits until the group is empty. */
    public void join() {
        join(null, false);
    }

    /**
     * Waits until the group is empty or {@code timeout} (null: none) passes; with
     * {@code raiseError}, raises the first exception of a task that fails meanwhile. Returns whether
     * the group is empty.
     */
    public boolean join(Duration timeout, boolean raiseError) {
        long deadline = Deadlines.of(timeout, "Group.join");
        List<Task<?>> watched = raiseError ? new ArrayList<>(tasks) : List.of();
        while (!tasks.isEmpty()) {
            for (Task<?> t : watched) {
                if (t.exception() != null) {
                    throw Errors.sneaky(t.exception());
                }
            }
            if (changed.park(deadline, null) == Park.TIMED_OUT) {
                break;
            }
        }
        for (Task<?> t : watched) {
            if (t.exception() != null) {
                throw Errors.sneaky(t.exception());
            }
        }
        return tasks.isEmpty();
    }

    /** Kills every task of the group and waits for them to die. */
    public void kill() {
        kill(true, null);
    }

    /**
     * Kills every task of the group; with {@code block}, waits until they are dead or {@code timeout}
     * (null: no limit) passes. Unlike {@link Fibers#killAll}, a timeout here is not raised (gevent's
     * {@code Group.kill}): check {@link #size()}.
     */
    public void kill(boolean block, Duration timeout) {
        List<Task<?>> now = new ArrayList<>(tasks);
        for (Task<?> t : now) {
            if (dying.add(t)) { // a second FiberExit would interrupt the finally blocks the first one runs
                t.kill(new FiberExit(), false, null);
            }
        }
        if (block) {
            Fibers.joinAll(new ArrayList<Awaitable<?>>(now), timeout, false);
        }
    }

    /**
     * Applies {@code fn} to every item concurrently (in this group's limits); results in item order.
     * An exception from the input itself ({@code iterator()}, {@code hasNext()} or {@code next()}) is
     * raised here, after the results of the items read before it; the tasks already spawned go on.
     */
    public <A, R> List<R> map(Fn<? super A, ? extends R> fn, Iterable<? extends A> items) {
        List<R> out = new ArrayList<>();
        for (R r : imap(fn, items)) {
            out.add(r);
        }
        return out;
    }

    /**
     * As {@link #map}, lazily: results come in item order as they are ready; a failing call raises
     * its exception when its turn comes. An exception from the input is raised by the iteration after
     * the results of the items read before it.
     */
    public <A, R> Iterable<R> imap(Fn<? super A, ? extends R> fn, Iterable<? extends A> items) {
        checkMapArgs(fn, items);
        return () -> new MapIterator<>(fn, items, true);
    }

    /** As {@link #imap}, but results come in completion order. */
    public <A, R> Iterable<R> imapUnordered(Fn<? super A, ? extends R> fn, Iterable<? extends A> items) {
        checkMapArgs(fn, items);
        return () -> new MapIterator<>(fn, items, false);
    }

    private static void checkMapArgs(Fn<?, ?> fn, Iterable<?> items) {
        Objects.requireNonNull(fn, "fn");
        Objects.requireNonNull(items, "items");
    }

    /**
     * A feeder task spawns one task per item (waiting for slots in a Pool) and passes the tasks on
     * through a queue: in spawn order for imap, in completion order for imapUnordered. Whatever ends
     * the feeder is queued last: the count of items, or the input's exception, which the reader
     * raises when it gets there (gevent's IMap does the same with its Failure marker).
     */
    private final class MapIterator<A, R> implements Iterator<R> {
        private final FiberQueue<Object> out = new FiberQueue<>();
        private int total = -1;
        private int returned;
        private Task<?> nextTask;
        /** The input's exception, once the reader got to it: raised again by every later call. */
        private Throwable failure;

        MapIterator(Fn<? super A, ? extends R> fn, Iterable<? extends A> items, boolean ordered) {
            Awaitable.Listener done = a -> out.offer(a);
            Fibers.spawn("imap feeder", () -> {
                int n = 0;
                try {
                    for (A item : items) {
                        Task<R> t = Group.this.spawn(() -> fn.apply(item));
                        n++;
                        if (ordered || !t.addListener(done)) {
                            out.offer(t);
                        }
                    }
                } catch (FiberExit e) {
                    out.offer(new Failed(new IllegalStateException("the feeder of a map was killed", e)));
                    throw e;
                } catch (Throwable e) {
                    out.offer(new Failed(e));
                    return;
                }
                out.offer(new End(n));
            });
        }

        private record End(int count) {
        }

        private record Failed(Throwable error) {
        }

        @Override
        public boolean hasNext() {
            if (failure != null) {
                throw Errors.sneaky(failure);
            }
            if (nextTask != null) {
                return true;
            }
            while (total < 0 || returned < total) {
                Object o = out.get();
                if (o instanceof End e) {
                    total = e.count();
                } else if (o instanceof Failed f) {
                    failure = f.error();
                    throw Errors.sneaky(failure);
                } else {
                    nextTask = (Task<?>) o;
                    return true;
                }
            }
            return false;
        }

        @Override
        @SuppressWarnings("unchecked")
        public R next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Task<?> t = nextTask;
            nextTask = null;
            returned++;
            return (R) t.get();
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + tasks.size() + " task(s)]";
    }
}
