package io.loomlet;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * A value or exception delivered once, by anyone, to whoever waits: gevent's {@code AsyncResult}.
 * {@link #set} and {@link #setException} may be called from any thread (a plain thread, a thread
 * pool, another hub); waiters park only their own fiber and are woken through their hub.
 *
 * @param <T> the value's type
 */
public final class AsyncResult<T> extends Awaitable<T> {
    /** Completes with {@code value}; returns false if already completed. From any thread. */
    public boolean set(T value) {
        return complete(value, null, false);
    }

    /** Completes with {@code exception}; returns false if already completed. From any thread. */
    public boolean setException(Throwable exception) {
        return complete(null, Objects.requireNonNull(exception, "exception"), false);
    }

    @Override
    boolean completesOutside(Hub h) {
        return true; // anyone holding it may set it, from any thread
    }

    /**
     * Calls {@code callback} with this result once it is set, in a new fiber of the hub of the
     * thread that linked it, so it may block (gevent's {@code link}); waiters are woken first. A
     * callback that throws is reported through that hub's error handler.
     *
     * @throws NullPointerException if {@code callback} is null
     */
    public void link(Consumer<? super AsyncResult<T>> callback) {
        addLink(callback, LinkKind.ALWAYS, false);
    }

    /** As {@link #link}, only if set with a value. */
    public void linkValue(Consumer<? super AsyncResult<T>> callback) {
        addLink(callback, LinkKind.ON_VALUE, false);
    }

    /** As {@link #link}, only if set with an exception. */
    public void linkException(Consumer<? super AsyncResult<T>> callback) {
        addLink(callback, LinkKind.ON_EXCEPTION, false);
    }

    /**
     * Calls {@code callback} once set, as a hub callback of the linker's hub (gevent's
     * {@code rawlink}): it must not block (a blocking call in it raises
     * {@link IllegalStateException}, reported through the hub's error handler).
     *
     * @throws NullPointerException if {@code callback} is null
     */
    public void rawlink(Consumer<? super AsyncResult<T>> callback) {
        addLink(callback, LinkKind.ALWAYS, true);
    }

    /** Removes a callback added by a link method; one removed while the callbacks run does not run. */
    public void unlink(Consumer<? super AsyncResult<T>> callback) {
        removeLink(callback);
    }

    @Override
    public String toString() {
        return "AsyncResult[" + (!isReady() ? "pending" : isSuccessful() ? "value " + value() : "exception " + exception()) + "]";
    }
}
