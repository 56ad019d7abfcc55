package io.loomlet.internal;

import java.time.Duration;

/**
 * The one rule that turns a timeout into a deadline, for every blocking call in Loomlet (the rule is
 * stated for users in the {@code io.loomlet} package documentation):
 * <ul>
 *   <li>{@code null}: no limit ({@link #NONE});</li>
 *   <li>{@link Duration#ZERO}: do not wait: the call polls once (it may still let other fibers run
 *       once, as gevent's {@code timeout=0} does);</li>
 *   <li>negative: refused with {@link IllegalArgumentException}, naming the call;</li>
 *   <li>longer than {@link #MAX} (about 146 years, {@code Duration.ofNanos(Long.MAX_VALUE)} and
 *       {@code Long.MAX_VALUE} milliseconds included): no limit. Deadlines are {@link System#nanoTime()}
 *       values compared by subtraction, which is only safe while they stay within 2^63 ns of each
 *       other; capping here keeps every armed deadline within 2^62 ns of now.</li>
 * </ul>
 * Socket timeouts set through {@code java.net.Socket} (int milliseconds, 0 meaning none) are
 * converted at that boundary, never here.
 */
public final class Deadlines {
    /** A deadline meaning "none". */
    public static final long NONE = Long.MIN_VALUE;
    /** Timeouts longer than this mean "no limit". */
    public static final Duration MAX = Duration.ofNanos(1L << 62);
    /** Below 2^32 s (136 years), {@code s * 10^9 + nanos} stays under the 2^62 ns cap. */
    private static final long FAST_SECONDS = 1L << 32;

    private Deadlines() {
    }

    /** The deadline for {@code timeout}, by the rule above; {@code what} names the call in the error. */
    public static long of(Duration timeout, String what) {
        if (timeout == null) {
            return NONE;
        }
        long s = timeout.getSeconds();
        if (s >= 0 && s < FAST_SECONDS) {
            // The common case, in a few instructions: it cannot overflow, nor reach the cap. Kept this
            // small because it is inlined into every timed call: Fibers.sleep's compiled code must
            // stay under C2's limit for inlining an already compiled method (InlineSmallCode, 2,500
            // bytes), or every caller pays a call and loses constant folding (#8: a 1 ns sleep
            // measured 18 ns slower).
            return System.nanoTime() + s * 1_000_000_000L + timeout.getNano();
        }
        return ofOther(timeout, what);
    }

    /** {@link #of} for negative (refused) and very long timeouts. */
    private static long ofOther(Duration timeout, String what) {
        long n = nanos(timeout, what);
        return n == Long.MAX_VALUE ? NONE : System.nanoTime() + n;
    }

    /**
     * {@code timeout} in nanoseconds, checked by the rule above: never negative, at most 2^62;
     * {@link Long#MAX_VALUE} for a huge one.
     */
    public static long nanos(Duration timeout, String what) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException(what + ": negative timeout " + timeout
                    + " (null means no limit, Duration.ZERO means do not wait)");
        }
        if (timeout.compareTo(MAX) > 0) {
            return Long.MAX_VALUE;
        }
        return timeout.toNanos();
    }

    /** The deadline {@code nanos} from now; {@link #NONE} beyond 2^62 ns. Negative means now. */
    public static long afterNanos(long nanos) {
        if (nanos > (1L << 62)) {
            return NONE;
        }
        return System.nanoTime() + Math.max(0, nanos);
    }

    /** Checks {@code timeout} by the rule above, for calls that store it rather than wait now. */
    public static Duration check(Duration timeout, String what) {
        if (timeout != null) {
            nanos(timeout, what);
        }
        return timeout;
    }
}
