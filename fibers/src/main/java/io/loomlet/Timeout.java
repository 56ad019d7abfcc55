package io.loomlet;

import io.loomlet.internal.TimerNode;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A deadline for the current fiber: when it passes, the fiber's current or next blocking operation
 * raises {@link FiberTimeoutException} (or the exception given). gevent's {@code Timeout}:
 *
 * <pre>{@code
 * try (Timeout t = Timeout.start(Duration.ofSeconds(2))) {
 *     queue.get();                       // raises FiberTimeoutException after 2 s
 * } catch (FiberTimeoutException e) {
 *     if (e.timeout() != t) throw e;     // someone else's timeout
 * }
 * }</pre>
 *
 * Once closed it never fires; a timeout that fired while its fiber was running plain code (not
 * blocked) raises at the next blocking point, unless it is closed first. CPU-bound code that never
 * blocks is not interrupted: fibers are cooperative.
 *
 * <p>Confinement: start and close it in the fiber it guards.
 */
public final class Timeout implements AutoCloseable {
    private final Hub hub;
    private final Fiber fiber;
    private final Duration duration;
    private final Supplier<? extends Throwable> exception;
    private final Timer timer = new Timer();
    private Throwable delivered;
    private boolean closed;

    private Timeout(Duration duration, Supplier<? extends Throwable> exception) {
        this.hub = Hub.current();
        this.fiber = hub.current;
        this.duration = Objects.requireNonNull(duration, "duration");
        this.exception = exception;
        if (fiber.isHub()) {
            throw new IllegalStateException("a Timeout guards a fiber; a hub callback cannot block, so it needs none");
        }
    }

    /** Starts a timeout of {@code duration} for the current fiber. */
    public static Timeout start(Duration duration) {
        return start(duration, null);
    }

    /** Starts a timeout that raises {@code exception.get()} instead of FiberTimeoutException. */
    public static Timeout start(Duration duration, Supplier<? extends Throwable> exception) {
        Timeout t = new Timeout(duration, exception);
        t.hub.addTimer(t.timer, System.nanoTime() + Math.max(0, duration.toNanos()));
        return t;
    }

    private final class Timer extends TimerNode {
        @Override
        public void fire() {
            if (closed || fiber.isDead()) {
                return;
            }
            Throwable ex = exception != null ? exception.get()
                    : new FiberTimeoutException(Timeout.this, duration, fiber.name());
            delivered = ex;
            if (!hub.cancelPark(fiber, ex)) {
                fiber.pendingThrow = ex; // not blocked now: raise at its next blocking point
            }
        }
    }

    /** True once the deadline has passed (whether or not the exception was raised yet). */
    public boolean isExpired() {
        return delivered != null;
    }

    /** True until it fires or is closed. */
    public boolean isPending() {
        return !closed && delivered == null;
    }

    public Duration duration() {
        return duration;
    }

    /** Cancels the timeout; it will not fire. Same as {@link #close()}. */
    public void cancel() {
        close();
    }

    @Override
    public void close() {
        hub.checkOwner("close a Timeout");
        closed = true;
        hub.removeTimer(timer);
        if (delivered != null && fiber.pendingThrow == delivered) {
            fiber.pendingThrow = null; // fired but not raised yet: closed now, so it never fires
        }
    }

    @Override
    public String toString() {
        return "Timeout[" + duration + (isExpired() ? ", expired" : closed ? ", closed" : "") + "]";
    }
}
