package io.loomlet.testing;

import io.loomlet.Fibers;
import io.loomlet.Hub;
import io.loomlet.Task;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Proofs that a blocking operation parked only its fiber, gevent's {@code testing/switching.py}
 * idea. Each reads what it needs right after the operation returns, before any join or kill: a
 * proof taken after a join cannot fail, since the join itself runs the other fibers.
 */
public final class Switches {
    private Switches() {
    }

    /** An operation under test; it may throw anything, which the helpers pass on. */
    @FunctionalInterface
    public interface Op<T> {
        T run() throws Exception;
    }

    /** An operation under test with no result. */
    @FunctionalInterface
    public interface VoidOp {
        void run() throws Exception;
    }

    /**
     * Runs {@code op} on the calling fiber and asserts that the current hub switched while it ran
     * ({@link Hub#switchCount()} advanced). Returns op's result.
     */
    public static <T> T assertSwitched(Op<T> op) throws Exception {
        Hub hub = Hub.current();
        long before = hub.switchCount();
        T result = op.run();
        long after = hub.switchCount();
        if (after == before) {
            throw new AssertionError("the operation never switched: the hub's switch count stayed at " + before);
        }
        return result;
    }

    /** {@link #assertSwitched(Op)} for an operation with no result. */
    public static void assertSwitched(VoidOp op) throws Exception {
        assertSwitched(() -> {
            op.run();
            return null;
        });
    }

    /**
     * Spawns a ticker fiber (a loop of 1 ms sleeps that counts its ticks), runs {@code op}, and asserts
     * that the ticker ticked while op ran: the count is read right after op returns, before the ticker
     * is killed. A thread-blocking op leaves it at zero (the ticker had not even started). Returns
     * op's result.
     */
    public static <T> T assertOthersRan(Op<T> op) throws Exception {
        return assertOthersRan(1, op);
    }

    /** {@link #assertOthersRan(Op)} for an operation with no result. */
    public static void assertOthersRan(VoidOp op) throws Exception {
        assertOthersRan(1, () -> {
            op.run();
            return null;
        });
    }

    /** {@link #assertOthersRan(int, Op)} for an operation with no result. */
    public static void assertOthersRan(int minTicks, VoidOp op) throws Exception {
        assertOthersRan(minTicks, () -> {
            op.run();
            return null;
        });
    }

    /**
     * As {@link #assertOthersRan(Op)}, requiring at least {@code minTicks} ticks while op ran. The
     * first tick comes at op's first park; a second one means the hub came back to the ticker's
     * 1 ms timer while op was still parked. Ask for 2 where op waits tens of milliseconds; more is
     * a timing bet that a loaded machine can lose.
     */
    public static <T> T assertOthersRan(int minTicks, Op<T> op) throws Exception {
        AtomicInteger ticks = new AtomicInteger();
        Task<Void> ticker = Fibers.spawn("switches-ticker", () -> {
            while (ticks.incrementAndGet() > 0) {
                Fibers.sleep(Duration.ofMillis(1));
            }
        });
        T result;
        int ticked;
        try {
            result = op.run();
            ticked = ticks.get(); // before the kill: killing runs the hub, and would let the ticker tick
        } finally {
            ticker.kill();
        }
        if (ticked < minTicks) {
            throw new AssertionError("other fibers did not run while the operation waited: the ticker ticked "
                    + ticked + " time(s), expected at least " + minTicks);
        }
        return result;
    }
}
