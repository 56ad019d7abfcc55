package io.loomlet;

import io.loomlet.internal.TimerNode;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * A spawned fiber with an outcome: gevent's {@code Greenlet}. Made by {@link Fibers#spawn} (on the
 * current thread's hub) or {@link HubGroup#spawn} (on a hub of the group); starts in the hub's next
 * pass.
 *
 * <p>Outcome: a value, an exception, or killed ({@link #kill()} — successful, null value). An
 * exception nobody joins or links to is reported once, with its stack, through the hub's error
 * handler (stderr by default); it never stops the hub.
 *
 * <p>Thread-safety: {@link #join}, {@link #get}, {@link #kill} and the state queries work from any
 * thread; a waiter on another thread parks only its own fiber.
 *
 * @param <T> the value's type
 */
public final class Task<T> extends Awaitable<T> {
    private final Callable<T> callable;
    final Hub hub;
    private volatile String name;
    /** Set on the hub thread when the fiber is made; null before (spawnLater, HubGroup in flight). */
    private volatile Fiber fiber;
    private StartTimer startTimer;

    Task(Hub hub, String name, Callable<T> callable) {
        this.hub = hub;
        this.name = name;
        this.callable = Objects.requireNonNull(callable, "callable");
    }

    /** Makes the fiber and queues it; on the hub thread. */
    void start() {
        if (isReady()) {
            return; // killed before it started
        }
        // the raw name (often null): the fiber shows the task's name without a String per task
        Fiber f = new Fiber(name, this::body, hub.hubFiber);
        f.task = this;
        fiber = f;
        hub.enqueueNew(f);
    }

    void startLater(long deadline) {
        startTimer = new StartTimer();
        hub.addTimer(startTimer, deadline);
    }

    private final class StartTimer extends TimerNode {
        @Override
        public void fire() {
            start();
        }
    }

    private Object body(Object ignored) {
        try {
            complete(callable.call(), null, false);
        } catch (FiberExit e) {
            complete(null, null, true);
        } catch (Throwable e) {
            complete(null, e, false);
        }
        return null;
    }

    @Override
    void unobservedFailure(Throwable e) {
        hub.reportError("task '" + name() + "' failed and nobody joined or linked it", e);
    }

    /** The fiber died without running (killed before it started). */
    void diedUnstarted(Throwable why) {
        if (why instanceof FiberExit) {
            complete(null, null, true);
        } else {
            complete(null, why, false);
        }
    }

    @Override
    boolean completesOutside(Hub h) {
        return h != hub;
    }

    /** Kills the task with {@link FiberExit} and waits for it to die (gevent's {@code kill()}). */
    public void kill() {
        kill(new FiberExit(), true, null);
    }

    /**
     * Raises {@code exception} in the task at its current or next blocking point; a task that has not
     * started never runs. With {@code block}, waits until it is dead or {@code timeout} (null: no
     * limit) passes. Killing a task from inside itself raises at once. From any thread.
     */
    public void kill(Throwable exception, boolean block, Duration timeout) {
        Objects.requireNonNull(exception, "exception");
        if (isReady()) {
            return;
        }
        if (hub.isCurrentThread()) {
            killHere(exception);
        } else if (!hub.execute(() -> killHere(exception))) {
            return; // hub closed: close() already killed it
        }
        Hub me = Hub.currentIfAny();
        if (block && !(me != null && me.current == fiber)) {
            join(timeout);
        }
    }

    private void killHere(Throwable ex) {
        if (isReady()) {
            return;
        }
        Fiber f = fiber;
        if (f == null) {
            if (startTimer != null) {
                hub.removeTimer(startTimer);
            }
            diedUnstarted(ex);
            return;
        }
        switch (f.state) {
            case Fiber.NEW -> hub.killUnstarted(f, ex);
            case Fiber.RUNNING -> throw io.loomlet.internal.Errors.sneaky(ex); // killing itself
            case Fiber.PARKED, Fiber.READY -> hub.cancelPark(f, ex);
            case Fiber.SUSPENDED -> hub.callSoon(() -> {
                if (f.state == Fiber.SUSPENDED) {
                    f.throwInto(ex);
                }
            });
            default -> { }
        }
    }

    /** Calls {@code callback} with this task once it is done (at once, in the next pass, if it is). */
    public void link(Consumer<? super Task<T>> callback) {
        addLink(callback, 0);
    }

    /** As {@link #link}, only if the task succeeds. */
    public void linkValue(Consumer<? super Task<T>> callback) {
        addLink(callback, 1);
    }

    /** As {@link #link}, only if the task fails. */
    public void linkException(Consumer<? super Task<T>> callback) {
        addLink(callback, 2);
    }

    /** Removes a callback added by one of the link methods. */
    public void unlink(Consumer<? super Task<T>> callback) {
        removeLink(callback);
    }

    /** True if the task ended by {@link #kill()} (FiberExit). */
    public boolean isKilled() {
        return wasKilled();
    }

    /** True once the task's fiber has started running (and after it is done, if it ran). */
    public boolean isStarted() {
        Fiber f = fiber;
        return f != null && f.isStarted();
    }

    public String name() {
        String n = name;
        return n != null ? n : "task-" + Integer.toHexString(System.identityHashCode(this));
    }

    public Task<T> setName(String name) {
        this.name = name;
        Fiber f = fiber;
        if (f != null) {
            f.setName(name);
        }
        return this;
    }

    /** The hub that runs this task. */
    public Hub hub() {
        return hub;
    }

    /** The task's fiber, or null if it has not been made yet. */
    public Fiber fiber() {
        return fiber;
    }

    @Override
    public String toString() {
        String st = !isReady() ? (isStarted() ? "running" : "pending")
                : isKilled() ? "killed" : isSuccessful() ? "done" : "failed: " + exception();
        return "Task[" + name() + ", " + st + "]";
    }
}
