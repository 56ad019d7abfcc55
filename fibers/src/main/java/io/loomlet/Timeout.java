package io.loomlet;

import io.loomlet.internal.Deadlines;
import java.time.Duration;
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
 * blocks is not interrupted: fibers are cooperative. A {@code null} duration is no timeout at all
 * (gevent's {@code Timeout(None)}), and so is one longer than about 146 years.
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
        this.fiber = hub.sched.current();
        this.duration = Deadlines.check(duration, "Timeout");
        this.exception = exception;
        if (fiber.isHub()) {
            throw new IllegalStateException("a Timeout guards a fiber; a hub callback cannot block, so it needs none");
        }
    }

    /** Starts a timeout of {@code duration} (null: none) for the current fiber. */
    public static Timeout start(Duration duration) {
        return start(duration, null);
    }

    /** Starts a timeout that raises {@code exception.get()} instead of FiberTimeoutException. */
    public static Timeout start(Duration duration, Supplier<? extends Throwable> exception) {
        Timeout t = new Timeout(duration, exception);
        long deadline = Deadlines.of(duration, "Timeout");
        if (deadline != Deadlines.NONE) {
            t.hub.checkOpen();
            t.hub.sched.timers.add(t.timer, deadline);
        }
        return t;
    }

    private final class Timer extends TimerNode {
        @Override
        void fire() {
            if (closed || fiber.isDead()) {
                return;
            }
            Throwable ex = exception != null ? exception.get()
                    : new FiberTimeoutException(Timeout.this, duration, fiber.name());
            delivered = ex;
            fiber.deliver(ex); // raised now if blocked, else at the fiber's next blocking point
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
        if (timer.isArmed()) {
            hub.sched.timers.remove(timer);
        }
        if (delivered != null) {
            fiber.withdraw(delivered); // fired but not raised yet: closed now, so it never fires
        }
    }

    @Override
    public String toString() {
        return "Timeout[" + duration + (isExpired() ? ", expired" : closed ? ", closed" : "") + "]";
    }
}
