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

    /** Calls {@code callback} (in this thread's hub, as a callback) once done. */
    public void link(Consumer<? super AsyncResult<T>> callback) {
        addLink(callback, LinkKind.ALWAYS);
    }

    public void linkValue(Consumer<? super AsyncResult<T>> callback) {
        addLink(callback, LinkKind.ON_VALUE);
    }

    public void linkException(Consumer<? super AsyncResult<T>> callback) {
        addLink(callback, LinkKind.ON_EXCEPTION);
    }

    public void unlink(Consumer<? super AsyncResult<T>> callback) {
        removeLink(callback);
    }

    @Override
    public String toString() {
        return "AsyncResult[" + (!isReady() ? "pending" : isSuccessful() ? "value " + value() : "exception " + exception()) + "]";
    }
}
