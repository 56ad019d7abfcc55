package io.loomlet;

/**
 * Something that becomes ready, which fibers can wait for in any combination with
 * {@link Fibers#iwait} and {@link Fibers#wait(java.util.Collection, java.time.Duration, int)}
 * (gevent's waitables: anything with {@code rawlink}/{@code unlink}): a {@link Task} or
 * {@link AsyncResult} (ready once done), an {@code Event} (ready while set), a {@code Semaphore}
 * (ready while a permit is free; waiting for it takes none).
 *
 * <p>{@link #watch} and {@link #unwatch} are <b>low-level</b>, for {@code iwait} and for new
 * primitives: a watcher is told on the thread that made the object ready, so it must be quick and
 * must not block. Thread-safety: every method from any thread.
 */
public interface Waitable {
    /** True when a wait for it would return at once. */
    boolean isReady();

    /**
     * Registers {@code w} to be told, once, when this becomes ready. Returns false, registering
     * nothing, if it is ready now. A watcher is told at most once per registration and is then
     * forgotten; {@link #unwatch} removes it before that.
     *
     * @throws NullPointerException if {@code w} is null
     */
    boolean watch(Watcher w);

    /** Removes {@code w} if it is registered; harmless otherwise. */
    void unwatch(Watcher w);

    /** Told when a {@link Waitable} it watches becomes ready. */
    @FunctionalInterface
    interface Watcher {
        /**
         * Called once, on whatever thread made {@code source} ready (another hub's, a plain thread);
         * must be quick, must not block, and must not throw.
         */
        void ready(Waitable source);
    }
}
