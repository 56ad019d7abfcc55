package io.loomlet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.net.SocketException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.function.Consumer;

/**
 * The Selector side of a hub (Netty's {@code NioIoHandler}, trio's {@code _io_epoll}): parks fibers
 * until their channels are ready, selects when the loop polls, and wakes the ready ones. It runs no
 * fiber itself, so nothing here re-enters the loop.
 *
 * <p>Confinement: the hub's thread only, except {@link #wakeup()}.
 */
final class Reactor {
    /** What a fiber parked on a channel is woken with. */
    private enum IoWake { READY, CLOSED }

    // Read once here, when the hub is made: a class first loaded inside the loop needs a file
    // descriptor, and the loop must keep working when the process has none left (EMFILE).
    private static final IoWake READY = IoWake.READY;
    private static final IoWake CLOSED = IoWake.CLOSED;

    private static final Cleaner CLEANER = Cleaner.create();

    /** The fibers waiting on one channel: at most one reader (read/accept) and one writer (write/connect). */
    private static final class IoWaiters {
        Fiber reader;
        Fiber writer;
    }

    private final Hub hub;
    private final Consumer<SelectionKey> onReady = this::ready;
    /** Opened on the first I/O wait: a hub that never does I/O costs no file descriptor. */
    private volatile Selector selector;

    Reactor(Hub hub) {
        this.hub = hub;
    }

    private Selector selector() throws IOException {
        Selector s = selector;
        if (s == null) {
            s = Selector.open();
            selector = s;
            Selector opened = s;
            // A thread that dies without closing its hub must not leak the selector's descriptors.
            CLEANER.register(hub, () -> {
                try {
                    opened.close();
                } catch (IOException ignored) {
                    // nothing more to do for a dead thread's selector
                }
            });
        }
        return s;
    }

    /**
     * Parks {@code self} until {@code ch} is ready for {@code op}, {@code deadline} passes (true /
     * false), or it is cancelled (throws). The interest is removed before it returns, however it
     * returns: register, park, deregister in {@code finally}, as gevent's {@code hub.wait(watcher)}.
     */
    boolean await(Fiber self, SelectableChannel ch, int op, long deadline) throws IOException {
        boolean in = (op & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT)) != 0;
        Selector s = selector();
        SelectionKey key = ch.keyFor(s);
        if (key == null) {
            key = ch.register(s, 0, new IoWaiters());
        }
        IoWaiters w = (IoWaiters) key.attachment();
        Fiber other = in ? w.reader : w.writer;
        if (other != null) {
            throw new IllegalStateException("cannot wait to " + (in ? "read" : "write") + " on " + ch + ": "
                    + other + " already waits for that; one fiber reads and one writes a socket at a time");
        }
        if (in) {
            w.reader = self;
        } else {
            w.writer = self;
        }
        Object r;
        try {
            // Read interest stays set after a wait (see select): a socket read again and again, as a
            // server's connection is, then changes its key once, not twice per wait (each change goes
            // through the selector's locked update queue).
            int ops = key.interestOps();
            if ((ops & op) == 0) {
                key.interestOps(ops | op);
            }
            r = self.park(ch, deadline, Park.Wake.IO, null);
        } finally {
            if (in) {
                w.reader = null;
            } else {
                w.writer = null;
                // a writable socket is ready nearly always: keep no write interest without a writer
                if (key.isValid()) {
                    key.interestOps(key.interestOps() & ~op);
                }
            }
        }
        if (r == CLOSED) {
            throw new SocketException("Socket closed (by another fiber or thread, while " + self.name()
                    + " waited to " + (in ? "read" : "write") + ")");
        }
        return r != Park.TIMED_OUT;
    }

    /**
     * Phase of the loop: waits up to {@code nanos} for a channel (0: poll; negative: until woken),
     * then wakes the fibers whose channels are ready.
     */
    void select(long nanos, Inbox inbox) {
        Selector s = selector;
        if (s == null) {
            inbox.park(nanos); // no channel was ever waited on: nothing to select (a miscount after an error)
            return;
        }
        try {
            if (nanos == 0 || !inbox.beginSelect()) {
                s.selectNow(onReady);
            } else {
                try {
                    if (nanos < 0) {
                        s.select(onReady);
                    } else if (nanos < 1_000_000) {
                        s.selectNow(onReady); // select(0) means forever; sub-millisecond waits poll
                    } else {
                        s.select(onReady, (nanos + 999_999) / 1_000_000);
                    }
                } finally {
                    inbox.endSelect();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("selector of " + hub + " failed", e);
        }
    }

    /**
     * What the selector hands each ready key to, during the select call itself: no selected-key set.
     * That set costs a HashSet insert in the selector, then an iteration and a removal here, for
     * every ready key (about 45 ns per wake on this machine, on a path whose whole cost is a few
     * hundred); Netty swaps the set for an array by reflection for the same reason.
     */
    void ready(SelectionKey k) {
        // Another thread may cancel the key at any moment (a raw close of the channel: see
        // FiberSocket.channel), even after the selector handed it here, and every query of a
        // cancelled key throws. An exception out of the action would cut this select short and
        // surface in whatever blocking call runs the loop: the key is dropped instead. Its waiters
        // are not woken here (a raw close never reports an event); a close through Loomlet wakes them.
        try {
            IoWaiters w = (IoWaiters) k.attachment();
            int ops = k.readyOps();
            int inOps = ops & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT);
            if (inOps != 0) {
                if (w.reader != null) {
                    w.reader.unpark(READY);
                } else {
                    // ready with nobody waiting to read (interest left set by await): drop the
                    // interest, or every select would report it again; the next wait sets it again
                    k.interestOpsAnd(~inOps);
                }
            }
            if ((ops & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0 && w.writer != null) {
                w.writer.unpark(READY);
            }
        } catch (CancelledKeyException e) {
            // closed by another thread just now (above)
        }
    }

    /** The key of {@code ch} in this hub's selector, or null: for tests. */
    SelectionKey keyOf(SelectableChannel ch) {
        Selector s = selector;
        return s == null ? null : ch.keyFor(s);
    }

    /** From any thread: interrupts a select in progress (the inbox calls it for a sleeping hub). */
    void wakeup() {
        Selector s = selector;
        if (s != null) {
            s.wakeup();
        }
    }

    /**
     * Closes {@code ch}: the fibers waiting on it are woken with a {@link SocketException}, its key
     * is deregistered at once (so the descriptor is released now, not at some later select), and the
     * channel is closed. Harmless on a closed channel.
     */
    void close(SelectableChannel ch) throws IOException {
        Selector s = selector;
        SelectionKey key = s == null ? null : ch.keyFor(s);
        if (key != null) {
            IoWaiters w = (IoWaiters) key.attachment();
            if (w.reader != null) {
                w.reader.unpark(CLOSED);
            }
            if (w.writer != null) {
                w.writer.unpark(CLOSED);
            }
            key.cancel();
        }
        ch.close();
        if (key != null && s.isOpen()) {
            // flush the cancelled key: the descriptor closes now; what else is ready is handled as
            // in any select (nothing is left in a selected-key set nobody reads)
            s.selectNow(onReady);
        }
    }

    /** Closes the selector (the hub is closing); channels stay their owners' to close. */
    void shutdown() throws IOException {
        Selector s = selector;
        if (s != null) {
            s.close();
        }
    }
}
