package io.loomlet;

import io.loomlet.internal.Deadlines;
import io.loomlet.internal.Errors;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;

/**
 * gevent's module functions: spawn tasks on the current thread's hub, sleep, join, kill, time out,
 * and wait in completion order. Every blocking call parks only the calling fiber; called from the
 * root (outside any fiber) it runs the hub until it can return, so {@code main} can simply spawn and
 * join.
 */
public final class Fibers {
    private Fibers() {
    }

    /** A task body that returns nothing and may throw. */
    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    static <T> Callable<T> callable(Action a) {
        return () -> {
            a.run();
            return null;
        };
    }

    // ---------------------------------------------------------------------------------- spawning

    /** Starts {@code c} in a new fiber of this thread's hub (in the hub's next pass). */
    public static <T> Task<T> spawn(Callable<T> c) {
        return spawn(null, c);
    }

    public static Task<Void> spawn(Action a) {
        return spawn(null, callable(a));
    }

    /** As {@link #spawn(Callable)}, with a name for dumps and error reports. */
    public static <T> Task<T> spawn(String name, Callable<T> c) {
        Hub h = Hub.current();
        h.checkOpen();
        Task<T> t = new Task<>(h, name, c);
        t.start();
        return t;
    }

    /**
     * Spawns {@code c} on this thread's hub and runs the hub until it is done; returns its value or
     * raises its exception (asyncio's {@code run}, for a {@code main} written as one task).
     */
    public static <T> T run(Callable<T> c) {
        return spawn(c).get();
    }

    public static Task<Void> spawn(String name, Action a) {
        return spawn(name, callable(a));
    }

    /** Starts {@code c} after {@code delay}; killing the task before then cancels it. */
    public static <T> Task<T> spawnLater(Duration delay, Callable<T> c) {
        long deadline = Deadlines.of(Objects.requireNonNull(delay, "delay"), "spawnLater");
        Hub h = Hub.current();
        h.checkOwner("spawn");
        h.checkOpen();
        Task<T> t = new Task<>(h, null, c);
        t.startLater(deadline);
        return t;
    }

    public static Task<Void> spawnLater(Duration delay, Action a) {
        return spawnLater(delay, callable(a));
    }

    /**
     * True when a blocking call here should be cooperative: the caller is a fiber, or the root of a
     * hub that has fibers to run meanwhile. False on a plain thread that never used fibers (there, a
     * patched call keeps its original blocking behaviour, interrupts and all). Never creates a hub.
     */
    public static boolean isCooperative() {
        Hub h = Hub.currentIfAny();
        return h != null && !h.isClosed() && (h.sched.current != h.sched.root || h.liveCount() > 0);
    }

    /**
     * True when the caller runs in a fiber (a task or a plain fiber), not in a thread's root nor in a
     * hub callback. Never creates a hub.
     */
    public static boolean inFiber() {
        Hub h = Hub.currentIfAny();
        return h != null && h.sched.current().kind == Fiber.Kind.USER;
    }

    /** The task the current fiber runs, or null (root, plain fiber, hub callback). */
    public static Task<?> currentTask() {
        return Fiber.current() instanceof Task.TaskFiber tf ? tf.task : null;
    }

    // ---------------------------------------------------------------------------------- sleeping

    /**
     * Parks the current fiber for {@code d}. {@code sleep(Duration.ZERO)} is a cooperative yield:
     * every fiber ready now runs once, then this one goes on. A sleep longer than about 146 years
     * has no end.
     *
     * @throws IllegalArgumentException if {@code d} is negative
     */
    public static void sleep(Duration d) {
        Fiber self = Fiber.current();
        if (d.isZero()) {
            self.yieldNow(); // the commonest sleep: this method stays small enough for the JIT to inline
            return;
        }
        Object r = self.park(Blocker.SLEEP, Deadlines.of(d, "sleep"), Park.Wake.SAME_HUB, null);
        assert r == Park.TIMED_OUT : "a sleep woken by " + r;
    }

    /** As {@link #sleep(Duration)}, in milliseconds. */
    public static void sleep(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("sleep: negative timeout " + millis + " ms");
        }
        sleep(Duration.ofMillis(millis));
    }

    // ---------------------------------------------------------------------------------- joining

    /** Waits for every task; returns them. Never raises their exceptions. */
    public static <A extends Awaitable<?>> List<A> joinAll(Collection<A> tasks) {
        return joinAll(tasks, null, false);
    }

    /**
     * Waits until every task is done or {@code timeout} (null: none) passes, and returns the ones
     * done, in completion order. With {@code raiseError}, the first failure is raised at once.
     */
    public static <A extends Awaitable<?>> List<A> joinAll(Collection<A> tasks, Duration timeout, boolean raiseError) {
        List<A> done = new ArrayList<>(tasks.size());
        for (A a : iwait(tasks, timeout)) {
            done.add(a);
            if (raiseError && a.exception() != null) {
                throw Errors.sneaky(a.exception());
            }
        }
        return done;
    }

    @SafeVarargs
    public static <A extends Awaitable<?>> List<A> joinAll(A... tasks) {
        return joinAll(List.of(tasks));
    }

    /** Kills every task with FiberExit and waits for them to die. */
    public static void killAll(Collection<? extends Task<?>> tasks) {
        killAll(tasks, true, null);
    }

    /**
     * Raises FiberExit in every task; with {@code block}, waits until all are dead or {@code timeout}
     * (null: no limit) passes, and then, as gevent's {@code killall}, raises
     * {@link FiberTimeoutException} if some are still alive.
     */
    public static void killAll(Collection<? extends Task<?>> tasks, boolean block, Duration timeout) {
        for (Task<?> t : tasks) {
            t.kill(new FiberExit(), false, null);
        }
        if (block) {
            int dead = joinAll(new ArrayList<Awaitable<?>>(tasks), timeout, false).size();
            if (dead < tasks.size()) {
                throw new FiberTimeoutException(null, timeout, "killAll: " + (tasks.size() - dead) + " of "
                        + tasks.size() + " task(s) still alive");
            }
        }
    }

    /**
     * The given tasks (or AsyncResults) in the order they become ready: gevent's {@code iwait},
     * asyncio's {@code as_completed}. Iteration waits for the next one and ends when all are done or
     * when {@code timeout} (null: none, measured from this call) passes.
     */
    public static <A extends Awaitable<?>> Iterable<A> iwait(Collection<A> tasks, Duration timeout) {
        List<A> copy = List.copyOf(tasks);
        long deadline = Deadlines.of(timeout, "iwait");
        return () -> new Iwait<>(copy, deadline);
    }

    public static <A extends Awaitable<?>> Iterable<A> iwait(Collection<A> tasks) {
        return iwait(tasks, null);
    }

    /** Same as {@link #iwait(Collection, Duration)}, with asyncio's name. */
    public static <A extends Awaitable<?>> Iterable<A> asCompleted(Collection<A> tasks, Duration timeout) {
        return iwait(tasks, timeout);
    }

    /** Iterator over completions; listeners may fire on other threads, so the queue is locked. */
    private static final class Iwait<A extends Awaitable<?>> implements Iterator<A>, Awaitable.Listener {
        private final List<A> all;
        private final long deadline;
        private final ArrayDeque<A> done = new ArrayDeque<>();
        private int returned;
        private boolean registered;
        private Fiber waiter;
        private int waiterPark;
        private boolean expired;

        Iwait(List<A> all, long deadline) {
            this.all = all;
            this.deadline = deadline;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void done(Awaitable<?> a) {
            Fiber w;
            int park;
            synchronized (done) {
                done.addLast((A) a);
                w = waiter;
                park = waiterPark;
            }
            if (w != null) {
                Park.unparkFromAnyThread(w, park, Boolean.TRUE);
            }
        }

        private void register() {
            registered = true;
            for (A a : all) {
                if (!a.addListener(this)) {
                    synchronized (done) {
                        done.addLast(a);
                    }
                }
            }
        }

        @Override
        public boolean hasNext() {
            if (returned == all.size() || expired) {
                return false;
            }
            if (!registered) {
                register();
            }
            Hub h = Hub.current();
            for (;;) {
                Fiber self = h.sched.current();
                synchronized (done) {
                    if (!done.isEmpty()) {
                        waiter = null;
                        return true;
                    }
                    waiter = self;
                    waiterPark = Park.parkId(self);
                }
                Park.Wake wake = Park.Wake.SAME_HUB;
                for (A a : all) {
                    if (!a.isReady() && a.completesOutside(h)) {
                        wake = Park.Wake.OTHER_THREAD;
                    }
                }
                Object r;
                try {
                    r = Park.park(this, deadline, wake, null);
                } finally {
                    synchronized (done) {
                        waiter = null;
                    }
                }
                if (r == Park.TIMED_OUT) {
                    synchronized (done) {
                        if (done.isEmpty()) {
                            expired = true;
                            unregister();
                            return false;
                        }
                    }
                }
            }
        }

        @Override
        public String toString() {
            return "iwait";
        }

        private void unregister() {
            for (A a : all) {
                a.removeListener(this);
            }
        }

        @Override
        public A next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            returned++;
            synchronized (done) {
                return done.pollFirst();
            }
        }
    }

    // ---------------------------------------------------------------------------------- timeouts

    /**
     * Runs {@code c} under a {@link Timeout}: returns its value or raises
     * {@link FiberTimeoutException} if it takes longer than {@code timeout}.
     */
    public static <T> T withTimeout(Duration timeout, Callable<T> c) {
        try (Timeout t = Timeout.start(timeout)) {
            return c.call();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new CompletionException(e);
        }
    }

    /** As {@link #withTimeout(Duration, Callable)}, returning {@code timeoutValue} if its own timeout fires. */
    public static <T> T withTimeout(Duration timeout, Callable<T> c, T timeoutValue) {
        Timeout t = Timeout.start(timeout);
        try {
            return c.call();
        } catch (FiberTimeoutException e) {
            if (e.timeout() == t) {
                return timeoutValue;
            }
            throw e;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new CompletionException(e);
        } finally {
            t.close();
        }
    }

    // ---------------------------------------------------------------------------------- threads

    /**
     * Runs blocking code that cannot be made cooperative (file I/O, a native call, a library that
     * blocks the thread) on the shared {@link ThreadPool}; only the calling fiber parks meanwhile.
     */
    public static <T> T runInThread(Callable<T> c) {
        return ThreadPool.shared().apply(c);
    }

    // ---------------------------------------------------------------------------------- diagnostics

    /** Every fiber of every hub, with its state and stack (gevent's {@code format_run_info}). */
    public static String dump() {
        return Diagnostics.dumpAll();
    }
}
