package io.loomlet;

import io.loomlet.internal.Deadlines;
import io.loomlet.internal.Errors;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * A result that becomes ready once: a {@link Task}'s outcome or an {@link AsyncResult}. Waiting
 * ({@link #join}, {@link #get}) parks only the calling fiber, from any thread: a waiter on another
 * hub is woken through that hub's inbox.
 *
 * @param <T> the value's type
 */
public abstract sealed class Awaitable<T> implements Waitable permits Task, AsyncResult {
    /*
     * state, written with CAS/volatile stores; value, exception and killed are plain fields written
     * by the one thread that wins the PENDING -> COMPLETING CAS and published by the volatile store
     * of DONE, so a reader that sees DONE (volatile load) sees them.
     *
     * PENDING    -> COMPLETING   complete(): the winner; every later complete() returns false
     * COMPLETING -> DONE         fields written; listeners taken and notified
     */
    private static final int PENDING = 0;
    private static final int COMPLETING = 1;
    private static final int DONE = 2;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Awaitable.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile int state;
    private T value;
    private Throwable exception;
    private boolean killed;

    /** Guards listeners; held only for list operations, never across a switch. */
    private final Object lock = new Object();
    private List<Listener> listeners;
    /** The listeners taken at completion, kept so that an unlink while their callbacks run still counts. */
    private List<Listener> notified;

    /** Internal completion callback, run on the completing thread; must not block. */
    interface Listener {
        void done(Awaitable<?> a);

        /** False for bookkeeping (a Group tracking its members): it does not count as someone seeing a failure. */
        default boolean observes() {
            return true;
        }
    }

    Awaitable() {
    }

    /** True once done: successfully, with an exception, or killed. */
    @Override
    public final boolean isReady() {
        return state == DONE;
    }

    /** Low-level ({@link Waitable}): {@code w} is told once this is done, on the completing thread. */
    @Override
    public final boolean watch(Waitable.Watcher w) {
        return addListener(new Watch(Objects.requireNonNull(w, "watcher")));
    }

    @Override
    public final void unwatch(Waitable.Watcher w) {
        removeListener(new Watch(Objects.requireNonNull(w, "watcher")));
    }

    /** A watcher as a listener; equal for the same watcher, so unwatch finds it. */
    private record Watch(Waitable.Watcher watcher) implements Listener {
        @Override
        public void done(Awaitable<?> a) {
            watcher.ready(a);
        }
    }

    /** True if done without an exception (a killed task counts as successful, as in gevent). */
    public final boolean isSuccessful() {
        return state == DONE && exception == null;
    }

    /** The value if done successfully, else null. */
    public final T value() {
        return state == DONE ? value : null;
    }

    /** The exception if done with one, else null. */
    public final Throwable exception() {
        return state == DONE ? exception : null;
    }

    /** Waits until done; never raises the outcome's exception. */
    public final void join() {
        await(Park.NO_DEADLINE);
    }

    /** Waits until done or {@code timeout} passes; returns {@link #isReady()}. */
    public final boolean join(Duration timeout) {
        return await(Deadlines.of(timeout, "join"));
    }

    /**
     * Waits until done and returns the value, or raises the exception: unchecked exceptions and
     * errors as they were, checked ones wrapped in {@link CompletionException}.
     */
    public final T get() {
        await(Park.NO_DEADLINE);
        return outcome();
    }

    /**
     * As {@link #get()}, but raises {@link FiberTimeoutException} if not done within {@code timeout}.
     */
    public final T get(Duration timeout) {
        if (!await(Deadlines.of(timeout, "get"))) {
            throw new FiberTimeoutException(null, timeout, this + " not ready");
        }
        return outcome();
    }

    private T outcome() {
        Throwable e = exception;
        if (e == null) {
            return value;
        }
        if (e instanceof RuntimeException || e instanceof Error) {
            throw Errors.sneaky(e);
        }
        throw new CompletionException(e);
    }

    /** True when the completion may come from outside the hub {@code h}, so h must not call it a deadlock. */
    abstract boolean completesOutside(Hub h);

    /** Parks until done or the deadline; true if done. */
    final boolean await(long deadline) {
        if (state == DONE) {
            return true;
        }
        Hub h = Hub.current();
        Park.Wake wake = completesOutside(h) ? Park.Wake.OTHER_THREAD : Park.Wake.SAME_HUB;
        while (state != DONE) {
            Fiber self = h.sched.current();
            Joiner j = new Joiner(self, Park.parkId(self));
            if (!addListener(j)) {
                return true;
            }
            Object r;
            try {
                // A late completion finds the park over (its number moved on) and does nothing: no abort needed.
                r = Park.park(this, deadline, wake, null);
            } catch (Throwable t) {
                // Park may throw before it parks (a pending Timeout, a closed hub): the park number
                // did not move then, and a completion that read it meanwhile must not wake the next park.
                self.parkSeq++;
                throw t;
            } finally {
                removeListener(j);
            }
            if (r == Park.TIMED_OUT) {
                return state == DONE;
            }
        }
        return true;
    }

    /** Wakes one waiting fiber, wherever it lives. */
    private record Joiner(Fiber fiber, int parkId) implements Listener {
        @Override
        public void done(Awaitable<?> a) {
            Park.unparkFromAnyThread(fiber, parkId, a);
        }
    }

    /** Adds {@code l}; false if already done (then {@code l} is not called). */
    final boolean addListener(Listener l) {
        synchronized (lock) {
            if (state == DONE) {
                return false;
            }
            if (listeners == null) {
                listeners = new ArrayList<>(2);
            }
            listeners.add(l);
            return true;
        }
    }

    final void removeListener(Listener l) {
        synchronized (lock) {
            if (listeners != null) {
                listeners.remove(l);
            }
        }
    }

    /**
     * Completes once; returns false if already completed. A failure that no listener observes is
     * handed to {@link #unobservedFailure}.
     */
    final boolean complete(T v, Throwable e, boolean wasKilled) {
        if (!STATE.compareAndSet(this, PENDING, COMPLETING)) {
            return false;
        }
        value = v;
        exception = e;
        killed = wasKilled;
        List<Listener> ls;
        synchronized (lock) {
            state = DONE;
            ls = listeners;
            listeners = null;
            notified = ls;
        }
        if (e != null && (ls == null || ls.stream().noneMatch(Listener::observes))) {
            unobservedFailure(e);
        }
        if (ls != null) {
            // Waiters first, links second: every join/get/iwait is woken before any link callback is
            // scheduled, so on one hub the woken waiters run before the callbacks do.
            notifyListeners(ls, false);
            notifyListeners(ls, true);
        }
        return true;
    }

    private void notifyListeners(List<Listener> ls, boolean links) {
        for (Listener l : ls) {
            if (l instanceof Awaitable<?>.Link == links) {
                try {
                    l.done(this);
                } catch (Throwable t) {
                    Errors.printToStderr("listener of " + this + " failed", t);
                }
            }
        }
    }

    /** Called once when completing with an exception nobody waits for or links to. */
    void unobservedFailure(Throwable e) {
    }

    /** True if done by a kill (Task.isKilled). */
    final boolean killedOutcome() {
        return state == DONE && killed;
    }

    // ---- links: callbacks run in the hub of the thread that linked them ----

    /** Which outcomes a link fires on. */
    enum LinkKind { ALWAYS, ON_VALUE, ON_EXCEPTION }

    /**
     * A callback to run once done, in the hub of the thread that linked it: in a fiber of its own
     * (gevent's {@code link}: it may block), or, {@code raw}, as a hub callback (gevent's
     * {@code rawlink}: it must not block).
     */
    private final class Link implements Listener {
        final Hub hub;
        final Consumer<Object> callback;
        final LinkKind when;
        final boolean raw;
        /** Set by unlink: a callback scheduled but not yet started then does not run. */
        volatile boolean unlinked;

        Link(Hub hub, Consumer<Object> callback, LinkKind when, boolean raw) {
            this.hub = hub;
            this.callback = callback;
            this.when = when;
            this.raw = raw;
        }

        @Override
        public void done(Awaitable<?> a) {
            boolean ok = a.exception == null;
            if (when == LinkKind.ON_VALUE && !ok || when == LinkKind.ON_EXCEPTION && ok) {
                return;
            }
            if (hub.isCurrentThread()) {
                if (!hub.isClosed()) {
                    schedule(a);
                }
            } else {
                hub.sendFromAnyThread(() -> schedule(a)); // a closed hub runs no more callbacks
            }
        }

        /** On the linker's hub thread. */
        private void schedule(Awaitable<?> a) {
            if (raw) {
                hub.callSoon(() -> run(a));
            } else {
                hub.sched.enqueue(new LinkFiber(this, a));
            }
        }

        void run(Awaitable<?> a) {
            if (!unlinked) {
                callback.accept(a);
            }
        }
    }

    /**
     * The fiber a {@code link} callback runs in: a child of the hub, like a task's fiber, so it may
     * block; a failure is reported through the hub's error handler, naming what it was linked to.
     */
    private static final class LinkFiber extends Fiber {
        private final Awaitable<?>.Link link;
        private final Awaitable<?> source;

        LinkFiber(Awaitable<?>.Link link, Awaitable<?> source) {
            super(null, ignored -> {
                link.run(source);
                return null;
            }, link.hub.sched.hubFiber);
            this.link = link;
            this.source = source;
        }

        @Override
        String defaultName() {
            return "link of " + source;
        }

        @Override
        void ended(Throwable error) {
            if (error != null && !(error instanceof FiberExit)) {
                link.hub.reportError("link callback of " + source, error);
            }
        }

        @Override
        boolean ownsItsOutcome() {
            return true;
        }
    }

    @SuppressWarnings("unchecked")
    final void addLink(Consumer<?> callback, LinkKind when, boolean raw) {
        Objects.requireNonNull(callback, "callback");
        Hub h = Hub.current();
        h.checkOpen();
        Link l = new Link(h, (Consumer<Object>) callback, when, raw);
        if (!addListener(l)) {
            l.done(this);
        }
    }

    final void removeLink(Consumer<?> callback) {
        Objects.requireNonNull(callback, "callback");
        synchronized (lock) {
            for (List<Listener> ls : Arrays.asList(listeners, notified)) {
                if (ls != null) {
                    for (Listener l : ls) {
                        if (l instanceof Awaitable<?>.Link k && k.callback == callback) {
                            k.unlinked = true;
                        }
                    }
                }
            }
            if (listeners != null) {
                listeners.removeIf(l -> l instanceof Awaitable<?>.Link k && k.callback == callback);
            }
        }
    }
}
