package io.loomlet;

import io.loomlet.internal.Deadlines;
import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;

/**
 * <b>Low-level:</b> the one way a fiber blocks. Every time a fiber blocks in Loomlet (sleep, join,
 * locks, queues, events, sockets) it does so through {@link #park}, usually indirectly through
 * {@link ParkingLot} or the socket classes. This is an interface with no guard rails, for writing
 * new primitives (trio's {@code wait_task_rescheduled}): if {@link ParkingLot}, {@code AsyncResult}
 * or the sockets of {@code io.loomlet.net} do what you need, use them instead.
 *
 * <h2>The contract of {@link #park park(blocker, deadline, wake, abort)}</h2>
 * <ul>
 *   <li><b>Before</b> calling, the caller registers a way to be woken: something that will call
 *       {@link #unpark unpark(fiber, value)} on the hub's thread, or {@link #unparkFromAnyThread}
 *       from another thread. It declares <b>who</b> that is with {@code wake}: {@link Wake#SAME_HUB}
 *       (another fiber or callback of this hub), {@link Wake#OTHER_THREAD} (anyone, from any thread)
 *       or {@link Wake#IO} (the hub's selector). The hub raises {@link LoopExit} in a wait that
 *       nothing could ever end: no fiber ready, no timer, no I/O, and no park declared
 *       {@code OTHER_THREAD} in progress. Declare {@code OTHER_THREAD} whenever another thread may
 *       end the wait, directly or through {@link Hub#callSoonThreadsafe}.</li>
 *   <li><b>Woken</b>: returns the value given to unpark. Only the first of wake, deadline and
 *       cancellation counts; the others then do nothing.</li>
 *   <li><b>Timed out</b>: returns {@link #TIMED_OUT} once {@code deadline} (a
 *       {@link System#nanoTime()} value, or {@link #NO_DEADLINE}) has passed.</li>
 *   <li><b>Cancelled</b> (a kill, a {@code Timeout}, the hub closing, {@link LoopExit}): throws.</li>
 *   <li><b>Aborted</b>: when the park ends by its deadline or by cancellation before any wake,
 *       the hub calls {@code abort.abort(fiber)} at once, on its thread, before anything else runs:
 *       the waiter removes itself from the structure it waits in, so no waker can pick it any more
 *       (trio's {@code abort_fn}). {@code abort} may be null when a late wake is harmless (the
 *       waker's unpark then returns false).</li>
 *   <li><b>After</b> it returns or throws, the caller removes its waker (in a {@code finally}).
 *       The deadline timer is gone already.</li>
 * </ul>
 * From the root (outside any fiber) it runs the loop until one of these happens. From a hub
 * callback it throws {@link IllegalStateException}: callbacks must not block; spawn a fiber.
 *
 * <p>Confinement: {@link #park} and {@link #unpark} on the hub's thread (they throw
 * {@link IllegalStateException} elsewhere); {@link #unparkFromAnyThread} from any thread.
 */
public final class Park {
    /** {@link #park} returns this when the deadline passed before a wake. */
    public static final Object TIMED_OUT = Signal.TIMED_OUT;

    /** A deadline meaning "none". */
    public static final long NO_DEADLINE = Deadlines.NONE;

    private enum Signal { TIMED_OUT }

    /** Who may end a park: what the hub needs to know to tell a long wait from one that can never end. */
    public enum Wake {
        /** A fiber or callback of the same hub (a ParkingLot of fibers, a timer). */
        SAME_HUB,
        /** Anyone, from any thread: another hub, a thread pool, a plain thread. */
        OTHER_THREAD,
        /** The hub's selector (a channel becoming ready). */
        IO
    }

    /** What a waiter does when its park ends by deadline or cancellation before a wake. */
    @FunctionalInterface
    public interface Abort {
        /** Removes {@code fiber} from whatever it waits in. Runs on the hub's thread; must not block. */
        void abort(Fiber fiber);
    }

    private Park() {
    }

    /** Parks the current fiber; see the class documentation for the contract. */
    public static Object park(Object blocker, long deadline, Wake wake, Abort abort) {
        return Fiber.current().park(blocker, deadline, wake, abort);
    }

    /**
     * Wakes {@code f}, parked in {@link #park}, which will return {@code value}. Returns false, doing
     * nothing, if {@code f} is not parked (it was woken, timed out or cancelled already).
     *
     * @throws IllegalStateException off {@code f}'s hub thread
     */
    public static boolean unpark(Fiber f, Object value) {
        f.hub().checkOwner("unpark a fiber");
        return f.unpark(value);
    }

    /**
     * The number of {@code f}'s current park, for a waker on another thread: it passes it back to
     * {@link #unparkFromAnyThread}, which then does nothing if that park is over (a stale wake).
     */
    public static int parkId(Fiber f) {
        return f.parkSeq;
    }

    /**
     * Wakes {@code f} from any thread, if it is still in the park numbered {@code parkId}; from
     * another thread the wake travels through the hub's inbox. Does nothing if the hub is closed.
     */
    public static void unparkFromAnyThread(Fiber f, int parkId, Object value) {
        Hub h = f.hub();
        if (h.isCurrentThread()) {
            f.unparkIf(parkId, value);
        } else {
            h.sendFromAnyThread(() -> f.unparkIf(parkId, value));
        }
    }

    /**
     * The I/O face of {@link #park}: parks the current fiber until {@code ch} (non-blocking) is ready
     * for {@code op} — one of {@link SelectionKey#OP_READ}, {@code OP_WRITE}, {@code OP_ACCEPT},
     * {@code OP_CONNECT} — or {@code deadline} passes. Returns true when ready, false at the
     * deadline; throws when cancelled. The interest is removed before it returns, however it
     * returns. The channel is registered with the current hub's selector.
     *
     * @throws java.net.SocketException if {@link #closeChannel} closes the channel meanwhile
     * @throws IllegalStateException if another fiber already waits for the same direction on
     *     {@code ch}, or called from a hub callback
     */
    public static boolean waitIo(SelectableChannel ch, int op, long deadline) throws IOException {
        Fiber self = Fiber.current();
        self.checkCanBlock(ch);
        return self.hub().reactor().await(self, ch, op, deadline);
    }

    /**
     * Closes {@code ch}, which fibers of {@code owner} (null: none) may wait on: they are woken with a
     * {@link java.net.SocketException} and the descriptor is released at once. From any thread: from
     * another, the close is sent to the owner's thread; if the owner is closed, or its thread has
     * ended, this thread closes the channel. Harmless on a closed channel; call it once for each hub
     * whose selector the channel is registered with.
     */
    public static void closeChannel(Hub owner, SelectableChannel ch) throws IOException {
        if (owner == null || owner.isClosed()) {
            ch.close();
        } else if (owner.isCurrentThread()) {
            owner.reactor().close(ch);
        } else if (!owner.thread().isAlive()) {
            // The owner's thread ended without closing its hub: nobody will ever drain its inbox or
            // select again. Close the channel here and that dead hub's selector with it, which
            // deregisters the channel, so the descriptor is released now.
            ch.close();
            owner.reactor().shutdown();
        } else if (!owner.sendFromAnyThread(new CloseChannel(owner, ch))) {
            ch.close(); // the owner closed meanwhile; its selector went with it
        }
    }

    /** A close sent to the owner's thread; if the owner closes first, the channel is closed anyway. */
    private record CloseChannel(Hub owner, SelectableChannel ch) implements Runnable, Inbox.OnClose {
        @Override
        public void run() {
            try {
                owner.reactor().close(ch);
            } catch (IOException e) {
                // the close failed at the OS level; nothing is left to wake or release
            }
        }

        @Override
        public void hubClosed() {
            try {
                ch.close();
            } catch (IOException e) {
                // as above
            }
        }
    }
}
