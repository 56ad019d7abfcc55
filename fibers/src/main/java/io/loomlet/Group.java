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
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

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
    final void waitForSlot() {
        waitForSlot(Park.NO_DEADLINE);
    }

    /**
     * Waits until a task may be added or {@code deadline} passes; true if it may. A Group always
     * may; a Pool waits while full.
     */
    boolean waitForSlot(long deadline) {
        hub.checkOwner("spawn into a group");
        return true;
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

    /**
     * As {@link #add(Task)}, waiting at most {@code timeout} for a slot (null: no limit;
     * {@link Duration#ZERO}: do not wait): gevent's {@code Pool.add(greenlet, blocking, timeout)}. A
     * Group is never full.
     *
     * @throws PoolFull if no slot freed in time; the task is not added (it keeps running)
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public void add(Task<?> t, Duration timeout) {
        Objects.requireNonNull(t, "task");
        long deadline = Deadlines.of(timeout, "Pool.add");
        if (t.hub != hub) {
            throw new IllegalStateException(t + " belongs to another hub than this group");
        }
        if (t.isReady() || tasks.contains(t)) {
            return;
        }
        if (!waitForSlot(deadline)) {
            throw new PoolFull(this + " had no free slot within " + timeout + " to add " + t);
        }
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
     * Applies {@code fn} to every item concurrently (in this group's limits) and returns the results
     * in item order: gevent's {@code map}. It waits for every call; the first failure in item order
     * is raised once its turn comes. The input is read as fast as the group takes new tasks (no
     * look-ahead bound: the result list holds every result anyway). An exception from the input
     * itself ({@code iterator()}, {@code hasNext()} or {@code next()}) is raised here, after the
     * results of the items read before it; the tasks already spawned go on running.
     */
    public <A, R> List<R> map(Fn<? super A, ? extends R> fn, Iterable<? extends A> items) {
        checkMapArgs(fn, items);
        List<R> out = new ArrayList<>();
        for (Iterator<R> it = new MapIterator<>(fn, items, true, Integer.MAX_VALUE); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }

    /**
     * As {@link #map}, lazily: results come in item order as they are ready, and a failing call
     * raises its exception when its turn comes (the iteration may go on after it); gevent's
     * {@code imap}. A feeder fiber reads the input and spawns the calls. It takes an item only while
     * fewer than the look-ahead bound are taken and not yet returned by the iteration: for a
     * {@link Pool}, twice its size (at most size calls running and as many finished results waiting
     * for the reader); for a Group, no bound (gevent's default). A slow reader thus holds back the
     * input instead of piling up results. An exception from the input is raised by the iteration
     * after the results of the items read before it. An iteration abandoned before its end leaves its
     * feeder waiting for room until the hub closes.
     */
    public <A, R> Iterable<R> imap(Fn<? super A, ? extends R> fn, Iterable<? extends A> items) {
        return imap(fn, items, defaultLookAhead());
    }

    /**
     * As {@link #imap(Fn, Iterable)}, with at most {@code maxsize} items taken from the input and
     * not yet returned by the iteration (running, or finished and waiting for the reader): gevent's
     * {@code imap(..., maxsize=)}. A {@code maxsize} below a Pool's size also bounds how many calls
     * run at once.
     *
     * @throws IllegalArgumentException if {@code maxsize} is below 1
     */
    public <A, R> Iterable<R> imap(Fn<? super A, ? extends R> fn, Iterable<? extends A> items, int maxsize) {
        checkMapArgs(fn, items);
        checkMaxsize(maxsize);
        return () -> new MapIterator<>(fn, items, true, maxsize);
    }

    /** As {@link #imap(Fn, Iterable)}, but results come in completion order: gevent's {@code imap_unordered}. */
    public <A, R> Iterable<R> imapUnordered(Fn<? super A, ? extends R> fn, Iterable<? extends A> items) {
        return imapUnordered(fn, items, defaultLookAhead());
    }

    /** As {@link #imap(Fn, Iterable, int)}, in completion order. */
    public <A, R> Iterable<R> imapUnordered(Fn<? super A, ? extends R> fn, Iterable<? extends A> items, int maxsize) {
        checkMapArgs(fn, items);
        checkMaxsize(maxsize);
        return () -> new MapIterator<>(fn, items, false, maxsize);
    }

    /** imap's look-ahead bound when none is given: none for a Group (gevent's default). */
    int defaultLookAhead() {
        return Integer.MAX_VALUE;
    }

    private static void checkMapArgs(Fn<?, ?> fn, Iterable<?> items) {
        Objects.requireNonNull(fn, "fn");
        Objects.requireNonNull(items, "items");
    }

    private static void checkMaxsize(int maxsize) {
        if (maxsize < 1) {
            throw new IllegalArgumentException("imap maxsize must be at least 1: " + maxsize);
        }
    }

    /**
     * {@code c} run in this group, waited for, its value returned: gevent's {@code apply}. The call
     * raises what {@code c} raised (checked exceptions wrapped in {@link CompletionException}, as
     * {@link Awaitable#get()} does). Called from a task of this group, {@code c} runs at once in the
     * caller, as in gevent: a member waiting for a slot of a full pool it holds one of could wait
     * forever.
     */
    public <T> T apply(Callable<T> c) {
        Objects.requireNonNull(c, "callable");
        hub.checkOwner("apply in a group");
        Task<?> me = Fibers.currentTask();
        if (me != null && tasks.contains(me)) {
            try {
                return c.call();
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }
        return spawn(c).get();
    }

    /**
     * Starts {@code c} in this group and returns its task without waiting, even when a pool is full:
     * gevent's {@code apply_async}. When there is no free slot, the task returned is a plain task
     * (not a member) that waits for a slot and then runs {@code c} in the group, so join the task
     * returned, not the group, to wait for the result.
     */
    public <T> Task<T> applyAsync(Callable<T> c) {
        Objects.requireNonNull(c, "callable");
        hub.checkOwner("applyAsync in a group");
        if (freeCount() <= 0) {
            return Fibers.spawn("applyAsync", () -> apply(c));
        }
        return spawn(c);
    }

    /**
     * As {@link #applyAsync(Callable)}, then {@code callback} receives the value when {@code c}
     * succeeds (not when it fails): gevent's {@code apply_async(..., callback=)}. It runs as a link
     * of the task ({@link Task#linkValue}).
     */
    public <T> Task<T> applyAsync(Callable<T> c, Consumer<? super T> callback) {
        Objects.requireNonNull(callback, "callback");
        Task<T> t = applyAsync(c);
        t.linkValue(done -> callback.accept(done.value()));
        return t;
    }

    /**
     * {@link #map} in a new task (not a member of this group), returned at once: gevent's
     * {@code map_async}. Its value is the list of results; its exception, map's.
     */
    public <A, R> Task<List<R>> mapAsync(Fn<? super A, ? extends R> fn, Iterable<? extends A> items) {
        checkMapArgs(fn, items);
        hub.checkOwner("mapAsync in a group");
        return Fibers.spawn("mapAsync", () -> map(fn, items));
    }

    /**
     * As {@link #mapAsync(Fn, Iterable)}, then {@code callback} receives the list of results in the
     * map's task, after the map succeeded (gevent's {@code map_async(..., callback=)}); a failing
     * callback fails that task.
     */
    public <A, R> Task<List<R>> mapAsync(Fn<? super A, ? extends R> fn, Iterable<? extends A> items,
            Consumer<? super List<R>> callback) {
        checkMapArgs(fn, items);
        Objects.requireNonNull(callback, "callback");
        hub.checkOwner("mapAsync in a group");
        return Fibers.spawn("mapAsync", () -> {
            List<R> out = map(fn, items);
            callback.accept(out);
            return out;
        });
    }

    /**
     * The iteration of map, imap and imapUnordered. A feeder task reads the input and spawns one task
     * per item (waiting for slots in a Pool, and for room under {@code maxsize}); it hands the tasks
     * on through a queue: in spawn order for imap, in completion order for imapUnordered. Whatever
     * ends the feeder is queued last: the count of items, or the input's exception, which the reader
     * raises when it gets there (gevent's IMap does the same with its Failure marker).
     */
    private final class MapIterator<A, R> implements Iterator<R> {
        private final FiberQueue<Object> out = new FiberQueue<>();
        /** Items taken from the input and not yet returned: at most maxsize. */
        private int outstanding;
        private final int maxsize;
        /** The feeder waits here for outstanding to drop below maxsize. */
        private final ParkingLot room = new ParkingLot("imap look-ahead");
        private int total = -1;
        private int returned;
        private Task<?> nextTask;
        /** The input's exception, once the reader got to it: raised again by every later call. */
        private Throwable failure;

        MapIterator(Fn<? super A, ? extends R> fn, Iterable<? extends A> items, boolean ordered, int maxsize) {
            this.maxsize = maxsize;
            Awaitable.Listener done = a -> out.offer(a);
            Fibers.spawn("imap feeder", () -> {
                int n = 0;
                try {
                    Iterator<? extends A> it = items.iterator();
                    while (true) {
                        while (outstanding >= this.maxsize) {
                            room.park(Park.NO_DEADLINE, null);
                        }
                        if (!it.hasNext()) {
                            break;
                        }
                        A item = it.next();
                        Task<R> t = Group.this.spawn(() -> fn.apply(item));
                        n++;
                        outstanding++;
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
            try {
                return (R) t.get();
            } finally {
                outstanding--; // handed to the reader (its value or its exception): room for one more
                room.unparkOne(Boolean.TRUE);
            }
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + tasks.size() + " task(s)]";
    }
}
