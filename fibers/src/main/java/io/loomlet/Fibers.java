package io.loomlet;

import io.loomlet.internal.Deadlines;
import io.loomlet.internal.Errors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
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
        Objects.requireNonNull(a, "action");
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
        return spawn(null, a);
    }

    /** As {@link #spawn(Callable)}, with a name for dumps and error reports. */
    public static <T> Task<T> spawn(String name, Callable<T> c) {
        Task<T> t = newTask(name, c);
        t.startFresh();
        return t;
    }

    /**
     * A task of this thread's hub that runs {@code c} once {@link Task#start()} or
     * {@link Task#startLater} is called (gevent's {@code Greenlet(run)}): until then it does not run,
     * and joining it waits. Killing it first means it never runs.
     *
     * @throws IllegalStateException if this thread's hub is closed
     */
    public static <T> Task<T> newTask(Callable<T> c) {
        return newTask(null, c);
    }

    public static Task<Void> newTask(Action a) {
        return newTask(null, a);
    }

    /** As {@link #newTask(Callable)}, with a name for dumps and error reports. */
    public static <T> Task<T> newTask(String name, Callable<T> c) {
        Hub h = Hub.current();
        h.checkOpen();
        return new Task<>(h, name, c);
    }

    public static Task<Void> newTask(String name, Action a) {
        Objects.requireNonNull(a, "action");
        Hub h = Hub.current();
        h.checkOpen();
        return new Task<>(h, name, a); // the Action itself: no adapter object per task
    }

    /**
     * Spawns {@code c} on this thread's hub and runs the hub until it is done; returns its value or
     * raises its exception (asyncio's {@code run}, for a {@code main} written as one task).
     */
    public static <T> T run(Callable<T> c) {
        return spawn(c).get();
    }

    public static Task<Void> spawn(String name, Action a) {
        Task<Void> t = newTask(name, a);
        t.startFresh();
        return t;
    }

    /** Starts {@code c} after {@code delay}; killing the task before then cancels it. */
    public static <T> Task<T> spawnLater(Duration delay, Callable<T> c) {
        Deadlines.of(Objects.requireNonNull(delay, "delay"), "spawnLater");
        return newTask(null, c).startLater(delay);
    }

    public static Task<Void> spawnLater(Duration delay, Action a) {
        Objects.requireNonNull(a, "action");
        Deadlines.of(Objects.requireNonNull(delay, "delay"), "spawnLater");
        return newTask(null, a).startLater(delay);
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
        return h != null && h.sched.current().kind == Fiber.USER;
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
        return joinAll(tasks, timeout, raiseError, Integer.MAX_VALUE);
    }

    /**
     * gevent's {@code joinall(greenlets, timeout, raise_error, count)}: waits until {@code count} of
     * the tasks are done (more than there are: all of them), or {@code timeout} (null: none) passes;
     * returns the ones done, in completion order. With {@code raiseError}, the first failure among
     * them is raised at once (checked exceptions as they are, unwrapped).
     *
     * @throws IllegalArgumentException if {@code count} is negative or {@code timeout} is negative
     */
    public static <A extends Awaitable<?>> List<A> joinAll(Collection<A> tasks, Duration timeout, boolean raiseError,
            int count) {
        List<A> done = new ArrayList<>();
        try (WaitIterator<A> it = iwait(tasks, timeout, count)) {
            for (A a : it) {
                done.add(a);
                if (raiseError && a.exception() != null) {
                    throw Errors.sneaky(a.exception());
                }
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
        kill(tasks, null, block, timeout);
    }

    /**
     * gevent's {@code killall(greenlets, exception)}: raises {@code exception} in every task (the same
     * instance in each, as gevent does) and waits until all are dead. A task that has not started
     * never runs; a task killed with something other than {@link FiberExit} ends failed with it.
     */
    public static void killAll(Collection<? extends Task<?>> tasks, Throwable exception) {
        killAll(tasks, exception, true, null);
    }

    /**
     * As {@link #killAll(Collection, Throwable)}, waiting only with {@code block}, and at most
     * {@code timeout} (null: no limit); raises {@link FiberTimeoutException} if some are still alive
     * then.
     */
    public static void killAll(Collection<? extends Task<?>> tasks, Throwable exception, boolean block, Duration timeout) {
        kill(tasks, Objects.requireNonNull(exception, "exception"), block, timeout);
    }

    /** {@code exception} null: a FiberExit of its own for each task. */
    private static void kill(Collection<? extends Task<?>> tasks, Throwable exception, boolean block, Duration timeout) {
        Objects.requireNonNull(tasks, "tasks");
        Deadlines.check(timeout, "killAll");
        for (Task<?> t : tasks) {
            t.kill(exception != null ? exception : new FiberExit(), false, null);
        }
        if (block) {
            int dead = joinAll(new ArrayList<Awaitable<?>>(tasks), timeout, false).size();
            if (dead < tasks.size()) {
                throw new FiberTimeoutException(null, timeout, "killAll: " + (tasks.size() - dead) + " of "
                        + tasks.size() + " task(s) still alive");
            }
        }
    }

    // ---------------------------------------------------------------------------------- waiting

    /**
     * The given waitables (tasks, AsyncResults, events, semaphores, ...) in the order they become
     * ready: gevent's {@code iwait}, asyncio's {@code as_completed}. Iteration waits for the next one
     * and ends when {@code count} have come (more than there are: all), or when {@code timeout}
     * (null: none, measured from this call) passes. One pass; see {@link WaitIterator} for when it
     * lets go of the waitables (close it, or leave it: it cleans up either way).
     *
     * @throws NullPointerException if {@code objects} or one of them is null
     * @throws IllegalArgumentException if {@code count} or {@code timeout} is negative
     */
    public static <W extends Waitable> WaitIterator<W> iwait(Collection<W> objects, Duration timeout, int count) {
        Objects.requireNonNull(objects, "objects");
        for (W w : objects) {
            Objects.requireNonNull(w, "iwait: a null among the objects");
        }
        if (count < 0) {
            throw new IllegalArgumentException("iwait: count must be >= 0: " + count);
        }
        List<W> copy = List.copyOf(objects);
        long deadline = Deadlines.of(timeout, "iwait");
        return new WaitIterator<>(copy, deadline, Math.min(count, copy.size()));
    }

    /** As {@link #iwait(Collection, Duration, int)}, for all of them. */
    public static <W extends Waitable> WaitIterator<W> iwait(Collection<W> objects, Duration timeout) {
        return iwait(objects, timeout, Integer.MAX_VALUE);
    }

    public static <W extends Waitable> WaitIterator<W> iwait(Collection<W> objects) {
        return iwait(objects, null);
    }

    /** Same as {@link #iwait(Collection, Duration)}, with asyncio's name. */
    public static <W extends Waitable> WaitIterator<W> asCompleted(Collection<W> objects, Duration timeout) {
        return iwait(objects, timeout);
    }

    /**
     * gevent's {@code wait(objects, timeout, count)}: waits until {@code count} of the waitables are
     * ready (more than there are: all), or {@code timeout} (null: none) passes, and returns the ready
     * ones in the order they became ready. A static method: call it as {@code Fibers.wait(...)}
     * (unqualified, {@code Object.wait} would be found first).
     *
     * @throws NullPointerException if {@code objects} or one of them is null
     * @throws IllegalArgumentException if {@code count} or {@code timeout} is negative
     */
    public static <W extends Waitable> List<W> wait(Collection<W> objects, Duration timeout, int count) {
        List<W> ready = new ArrayList<>();
        try (WaitIterator<W> it = iwait(objects, timeout, count)) {
            it.forEachRemaining(ready::add);
        }
        return ready;
    }

    /** As {@link #wait(Collection, Duration, int)}, for all of them. */
    public static <W extends Waitable> List<W> wait(Collection<W> objects, Duration timeout) {
        return wait(objects, timeout, Integer.MAX_VALUE);
    }

    /** As {@link #wait(Collection, Duration, int)}, for all of them, with no time limit. */
    public static <W extends Waitable> List<W> wait(Collection<W> objects) {
        return wait(objects, null, Integer.MAX_VALUE);
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
