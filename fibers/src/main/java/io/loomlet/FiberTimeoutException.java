package io.loomlet;

import java.time.Duration;

/**
 * Raised when a {@link Timeout} fires in the fiber it guards, or a timed wait such as
 * {@link Awaitable#get(Duration)} runs out. {@link #timeout()} tells which Timeout fired, so nested
 * timeouts can tell theirs from an outer one.
 */
public class FiberTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Timeout timeout;
    private final Duration duration;

    public FiberTimeoutException(Timeout timeout, Duration duration, String what) {
        super(what + " (timed out after " + duration + ")");
        this.timeout = timeout;
        this.duration = duration;
    }

    /** The Timeout that fired, or null for a timed wait. */
    public Timeout timeout() {
        return timeout;
    }

    public Duration duration() {
        return duration;
    }
}
