package io.loomlet.sync;

/**
 * A lock or a semaphore permit held by the caller; {@link #close()} releases it. The one idiom for
 * holding either around a block, releasing on every way out of it:
 *
 * <pre>{@code
 * try (var held = lock.hold()) {        // or semaphore.hold(), lock.hold(timeout)
 *     out.write(...);                  // may block; other fibers wait for the lock
 * }
 * }</pre>
 *
 * Closing it again does nothing, so a block that releases early by hand cannot release twice.
 */
public interface Held extends AutoCloseable {
    /** Releases what is held, once; later calls do nothing. */
    @Override
    void close();
}
