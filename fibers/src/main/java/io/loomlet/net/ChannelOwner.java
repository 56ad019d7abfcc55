package io.loomlet.net;

import io.loomlet.Hub;
import io.loomlet.Park;
import java.io.IOException;
import java.net.SocketException;
import java.nio.channels.SelectableChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The hubs a socket's channel is registered with. A socket belongs to no hub: any thread or fiber
 * may use it in turn (a pool's connection, a kept-alive HTTP connection), each waiting through the
 * selector of the hub that runs it, and any thread may close it. Usually that is one hub; a channel
 * may be registered with several selectors at once, so a socket handed to another hub simply joins
 * that hub's selector too. Closing it wakes its waiters in every hub and releases the descriptor.
 */
final class ChannelOwner {
    private static final Hub[] NONE = {};

    private final SelectableChannel ch;
    private final String what;
    /**
     * The hubs whose selectors the channel is registered with, copy-on-write (read on every wait):
     * null for none, the {@link Hub} itself for one (almost every socket: no array of its own, 24
     * bytes of every idle connection), a {@code Hub[]} for several.
     */
    private volatile Object hubs;

    ChannelOwner(SelectableChannel ch, String what) {
        this.ch = ch;
        this.what = what;
    }

    /**
     * Checks the channel is open and that the current hub knows it.
     *
     * @throws SocketException if the channel is closed
     */
    private void checkWaitable() throws SocketException {
        if (!ch.isOpen()) {
            throw new SocketException("Socket closed");
        }
        Object known = hubs;
        // The common case without Hub.current()'s thread-local lookup (one per wait): the one hub the
        // channel knows is open and runs on this thread, so it is this thread's hub.
        if (known instanceof Hub one && one.thread() == Thread.currentThread() && !one.isClosed()) {
            return;
        }
        Hub h = Hub.current();
        if (known == h) {
            return;
        }
        if (known instanceof Hub[] several) {
            for (Hub k : several) {
                if (k == h) {
                    return;
                }
            }
        }
        join(h);
    }

    private synchronized void join(Hub h) {
        List<Hub> next = new ArrayList<>();
        for (Hub known : registered(hubs)) {
            if (!known.isClosed() && known.thread().isAlive()) {
                next.add(known); // the others let go of their registration when they closed or died
            }
        }
        next.add(h);
        hubs = next.size() == 1 ? h : next.toArray(NONE);
    }

    private static Hub[] registered(Object hubs) {
        return hubs == null ? NONE : hubs instanceof Hub one ? new Hub[] {one} : (Hub[]) hubs;
    }

    /** Parks until ready for {@code op}; false at the deadline. */
    boolean await(int op, long deadline) throws IOException {
        checkWaitable();
        return Park.waitIo(ch, op, deadline);
    }

    /**
     * Closes the channel from any thread: every hub it is registered with wakes its waiters on it
     * with a {@link SocketException} and drops its registration, so the descriptor is released at
     * once and the peer sees the connection end (see {@link Park#closeChannel}).
     */
    void close() throws IOException {
        Hub[] hs;
        synchronized (this) {
            hs = registered(hubs);
            hubs = null;
        }
        if (hs.length == 0) {
            Park.closeChannel(null, ch);
        }
        for (Hub h : hs) {
            Park.closeChannel(h, ch);
        }
    }

    @Override
    public String toString() {
        return what;
    }
}
