package io.loomlet;

import io.loomlet.internal.Deadlines;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * A spawned fiber with an outcome: gevent's {@code Greenlet}. Made by {@link Fibers#spawn} (on the
 * current thread's hub) or {@link HubGroup#spawn} (on a hub of the group); starts in the hub's next
 * pass. {@link Fibers#newTask} makes one that waits for {@link #start()} or {@link #startLater}
 * (gevent's {@code Greenlet(run)} and {@code start()}/{@code start_later()}).
 *
 * <p>Outcome: a value, an exception, or killed ({@link #kill()} — successful, null value). An
 * exception nobody joins or links to is reported once, with its stack, through the hub's error
 * handler (stderr by default); it never stops the hub. A task whose hub closes before it ends is
 * killed: its joiners never wait for a hub that is gone.
 *
 * <p>Thread-safety: {@link #join}, {@link #get}, {@link #kill}, {@link #start}, {@link #startLater},
 * the links and the state queries work from any thread; a waiter on another thread parks only its
 * own fiber.
 *
 * @param <T> the value's type
 */
public final class Task<T> extends Awaitable<T> {
    /*
     * The task's lifecycle, beside its outcome (Awaitable's state). Written on the hub's thread;
     * read from any thread (volatile) by toString.
     *
     * PENDING -> QUEUED    begin(): its fiber is made and queued (spawn and start() on the hub's thread:
     *                      at once; spawnLater and startLater: when its timer fires; HubGroup.spawn and
     *                      start() from another thread: when the hub takes it from its inbox)
     * QUEUED  -> RUNNING   its fiber runs the body for the first time
     * RUNNING -> ENDED     the body returned or threw (a kill raises FiberExit in it)
     * PENDING -> ENDED     killed before it started, or its hub closed first: the outcome is "killed"
     * QUEUED  -> ENDED     killed before its fiber ran: the fiber dies without running the body
     */
    private static final int PENDING = 0;
    private static final int QUEUED = 1;
    private static final int RUNNING = 2;
    private static final int ENDED = 3;
    private static final VarHandle SCHEDULED;

    static {
        try {
            SCHEDULED = MethodHandles.lookup().findVarHandle(Task.class, "scheduled", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A Callable, or the Action given to Fibers.spawn and newTask (no adapter object per task). */
    private final Object code;
    private final boolean codeIsAction;
    final Hub hub;
    private volatile int lifecycle = PENDING;
    private volatile String name;
    /** Set on the hub thread when the fiber is made; null before (spawnLater, HubGroup in flight). */
    private volatile TaskFiber fiber;
    private StartTimer startTimer;
    /** Set by the first start, startLater, spawn or HubGroup send: the later ones do nothing. */
    @SuppressWarnings("unused")
    private volatile boolean scheduled;

    Task(Hub hub, String name, Callable<T> callable) {
        this.hub = hub;
        this.name = name;
        this.code = Objects.requireNonNull(callable, "callable");
        this.codeIsAction = false;
    }

    /** A task that runs {@code action} and completes with null. */
    Task(Hub hub, String name, Fibers.Action action) {
        this.hub = hub;
        this.name = name;
        this.code = Objects.requireNonNull(action, "action");
        this.codeIsAction = true;
    }

    /** A task's fiber: it completes its task if it dies without running the body to its end. */
    static final class TaskFiber extends Fiber {
        final Task<?> task;

        TaskFiber(Task<?> task) {
            // No name of its own: it shows the task's, without building a String per task. No body
            // either (a bound method reference was 16 bytes per task): it runs its task itself.
            super(null, null, task.hub.sched.hubFiber, false);
            this.task = task;
        }

        @Override
        Object runBody(Object first) {
            return task.body(first);
        }

        @Override
        String defaultName() {
            return task.name();
        }

        @Override
        void ended(Throwable error) {
            task.fiberEnded(error);
        }

        @Override
        boolean ownsItsOutcome() {
            return true;
        }
    }

    /** True for the first caller only: a task is scheduled to start once. */
    private boolean claimStart() {
        return SCHEDULED.compareAndSet(this, false, true);
    }

    /**
     * Starts the task in its hub's next pass (gevent's {@code start()}); does nothing if it was
     * started (or scheduled to start) already, or killed. From any thread: from another, the start
     * is sent to the task's hub. Returns this task.
     *
     * @throws IllegalStateException if the task's hub is closed (the task then ends as killed, so
     *     its joiners do not wait for a hub that is gone)
     */
    public Task<T> start() {
        if (claimStart()) {
            if (hub.isCurrentThread() && !hub.isClosed()) {
                begin();
            } else if (hub.isCurrentThread() || !hub.sendFromAnyThread(new Starter())) {
                throw refusedByClosedHub();
            }
        }
        return this;
    }

    /**
     * Starts the task after {@code delay} (gevent's {@code start_later}); killing it before then
     * cancels it. Does nothing if it was started or scheduled already. From any thread.
     *
     * @throws IllegalArgumentException if {@code delay} is negative
     * @throws IllegalStateException if the task's hub is closed (the task then ends as killed)
     */
    public Task<T> startLater(Duration delay) {
        long deadline = Deadlines.of(Objects.requireNonNull(delay, "delay"), "startLater");
        if (claimStart()) {
            if (hub.isCurrentThread() && !hub.isClosed()) {
                armStart(deadline);
            } else if (hub.isCurrentThread() || !hub.sendFromAnyThread(new DelayedStarter(deadline))) {
                throw refusedByClosedHub();
            }
        }
        return this;
    }

    private IllegalStateException refusedByClosedHub() {
        endUnstarted(new FiberExit("hub closed"));
        return new IllegalStateException("cannot start " + this + ": the hub of thread " + hub.thread.getName()
                + " is closed");
    }

    /**
     * Fibers.spawn's start: a task just made on its own open hub's thread, not yet seen by anyone
     * else, so no compare-and-set is needed to claim it (spawn is the hottest path there is).
     */
    void startFresh() {
        SCHEDULED.set(this, true);
        begin();
    }

    /** PENDING -> QUEUED: makes the fiber and queues it; on the hub thread. */
    private void begin() {
        if (lifecycle != PENDING) {
            return; // killed before it started
        }
        TaskFiber f = new TaskFiber(this);
        fiber = f;
        lifecycle = QUEUED;
        hub.sched.enqueue(f);
    }

    /**
     * Arms the timer that starts the task at {@code deadline}. {@link Deadlines#NONE} (a delay
     * beyond about 146 years) arms it that far off rather than not at all, so that a closing hub
     * still finds it and ends the task. On the hub thread.
     */
    private void armStart(long deadline) {
        if (lifecycle != PENDING) {
            return; // killed while the request travelled
        }
        startTimer = new StartTimer();
        hub.sched.timers.add(startTimer, deadline != Deadlines.NONE ? deadline : Deadlines.afterNanos(1L << 62));
    }

    /** What HubGroup sends a hub to start this task; a hub that closes first ends it as killed. */
    Runnable starter() {
        SCHEDULED.set(this, true); // a task just made, not yet seen by anyone else
        return new Starter();
    }

    private final class StartTimer extends TimerNode {
        @Override
        void fire() {
            begin();
        }

        @Override
        void hubClosed() {
            endUnstarted(new FiberExit("hub closed"));
        }
    }

    private final class Starter implements Runnable, Inbox.OnClose {
        @Override
        public void run() {
            begin();
        }

        @Override
        public void hubClosed() {
            endUnstarted(new FiberExit("hub closed"));
        }
    }

    /** startLater from another thread: the timer is armed on the hub's thread. */
    private final class DelayedStarter implements Runnable, Inbox.OnClose {
        private final long deadline;

        DelayedStarter(long deadline) {
            this.deadline = deadline;
        }

        @Override
        public void run() {
            armStart(deadline);
        }

        @Override
        public void hubClosed() {
            endUnstarted(new FiberExit("hub closed"));
        }
    }

    @SuppressWarnings("unchecked")
    private Object body(Object ignored) {
        lifecycle = RUNNING;
        try {
            T value = null;
            if (codeIsAction) {
                ((Fibers.Action) code).run();
            } else {
                value = ((Callable<T>) code).call();
            }
            complete(value, null, false);
        } catch (FiberExit e) {
            complete(null, null, true);
        } catch (Throwable e) {
            complete(null, e, false);
        } finally {
            lifecycle = ENDED;
        }
        return null;
    }

    /** PENDING/QUEUED -> ENDED, or the backstop of a fiber that died some other way. */
    private void fiberEnded(Throwable error) {
        endUnstarted(error);
    }

    private void endUnstarted(Throwable why) {
        lifecycle = ENDED;
        if (why == null || why instanceof FiberExit) {
            complete(null, null, true);
        } else {
            complete(null, why, false);
        }
    }

    @Override
    void unobservedFailure(Throwable e) {
        hub.reportError("task", this, e);
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
        Deadlines.check(timeout, "Task.kill");
        if (isReady()) {
            return;
        }
        if (hub.isCurrentThread()) {
            killHere(exception);
        } else if (!hub.sendFromAnyThread(() -> killHere(exception))) {
            return; // the hub is closing or closed: close() ends every task it holds
        }
        Hub me = Hub.currentIfAny();
        if (block && !(me != null && me.sched.current() == fiber)) {
            join(timeout);
        }
    }

    /** The one kill path: a task with a fiber is killed through its fiber ({@link Strand#kill}). */
    private void killHere(Throwable ex) {
        if (isReady()) {
            return;
        }
        TaskFiber f = fiber;
        if (f == null) {
            if (startTimer != null && startTimer.isArmed()) {
                hub.sched.timers.remove(startTimer);
            }
            endUnstarted(ex);
        } else {
            f.kill(ex);
        }
    }

    /**
     * Calls {@code callback} with this task once it is done (at once, in the next pass, if it is),
     * in a new fiber of the hub of the thread that linked it: the callback may block (sleep, join,
     * wait on a lock), as in gevent's {@code link}. Joiners and other waiters are woken before any
     * link callback is scheduled. A callback that throws is reported through that hub's error
     * handler. From any thread with a hub; the callback runs on the linker's hub, not the task's.
     *
     * @throws NullPointerException if {@code callback} is null
     */
    public void link(Consumer<? super Task<T>> callback) {
        addLink(callback, LinkKind.ALWAYS, false);
    }

    /** As {@link #link}, only if the task succeeds (a kill counts as success, as in gevent). */
    public void linkValue(Consumer<? super Task<T>> callback) {
        addLink(callback, LinkKind.ON_VALUE, false);
    }

    /** As {@link #link}, only if the task fails. */
    public void linkException(Consumer<? super Task<T>> callback) {
        addLink(callback, LinkKind.ON_EXCEPTION, false);
    }

    /**
     * Calls {@code callback} with this task once it is done, as a hub callback of the linker's hub
     * (gevent's {@code rawlink}): no fiber is made for it, so it is cheaper, but it must not block;
     * a blocking call in it raises {@link IllegalStateException}, reported through the hub's error
     * handler. Use {@link #link} for a callback that may block.
     *
     * @throws NullPointerException if {@code callback} is null
     */
    public void rawlink(Consumer<? super Task<T>> callback) {
        addLink(callback, LinkKind.ALWAYS, true);
    }

    /**
     * Removes a callback added by {@link #link}, {@link #linkValue}, {@link #linkException} or
     * {@link #rawlink} (every registration of it). A callback removed while the callbacks are being
     * run does not run, unless it has started already.
     */
    public void unlink(Consumer<? super Task<T>> callback) {
        removeLink(callback);
    }

    /** True if the task ended by a kill (FiberExit), before or after it started. */
    public boolean isKilled() {
        return killedOutcome();
    }

    /** True once the task's fiber has started running (and after it is done, if it ran). */
    public boolean isStarted() {
        TaskFiber f = fiber;
        return f != null && f.isStarted();
    }

    public String name() {
        String n = name;
        return n != null ? n : "task-" + Integer.toHexString(System.identityHashCode(this));
    }

    public Task<T> setName(String name) {
        this.name = name;
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
        String st = switch (lifecycle) {
            case PENDING -> "pending";
            case QUEUED -> "queued";
            case RUNNING -> "running";
            default -> !isReady() ? "ending" : isKilled() ? "killed" : isSuccessful() ? "done" : "failed: " + exception();
        };
        return "Task[" + name() + ", " + st + "]";
    }
}
