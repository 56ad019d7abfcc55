package io.loomlet.net;

import io.loomlet.Hub;
import io.loomlet.Park;
import java.io.IOException;
import java.net.SocketException;
import java.nio.channels.SelectableChannel;

/**
 * Which hub a socket's channel is registered with: the hub of the first fiber that waits on it.
 * Shared by the socket classes: binding on first wait, the checks before every wait, and closing.
 */
final class ChannelOwner {
    private final SelectableChannel ch;
    private final String what;
    private volatile Hub hub;

    ChannelOwner(SelectableChannel ch, String what) {
        this.ch = ch;
        this.what = what;
    }

    /**
     * Binds the channel to the current hub on first use; checks it is open and still this hub's.
     *
     * @throws SocketException if the channel is closed
     * @throws IllegalStateException if it belongs to another hub, or to one that is closed
     */
    void checkWaitable() throws SocketException {
        Hub h = Hub.current();
        Hub o = hub;
        if (o == null) {
            hub = h;
        } else if (o != h) {
            if (o.isClosed()) {
                throw new IllegalStateException("this " + what + " belonged to the hub of thread " + o.thread().getName()
                        + ", which is closed: its channel was deregistered with it; open a new " + what);
            }
            throw new IllegalStateException("this " + what + " belongs to the hub of thread " + o.thread().getName()
                    + " and cannot wait from thread " + Thread.currentThread().getName());
        }
        if (!ch.isOpen()) {
            throw new SocketException("Socket closed");
        }
    }

    /** Parks until ready for {@code op}; false at the deadline. */
    boolean await(int op, long deadline) throws IOException {
        checkWaitable();
        return Park.waitIo(ch, op, deadline);
    }

    /**
     * Closes the channel, waking any fiber waiting on it with a {@link SocketException} and releasing
     * the descriptor at once; from any thread (see {@link Park#closeChannel}).
     */
    void close() throws IOException {
        Park.closeChannel(hub, ch);
    }
}
