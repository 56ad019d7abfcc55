package io.loomlet.net;

import io.loomlet.Hub;
import java.io.IOException;
import java.nio.channels.SelectableChannel;

/** Closing shared by the socket classes. */
final class Sockets {
    private Sockets() {
    }

    /**
     * Closes a channel that {@code owner} (may be null) may have registered: on the owner's thread
     * through {@link Hub#closeChannel} (wakes waiters, frees the descriptor now); from another
     * thread, the owner is asked to do the same. The channel must not be closed here first: its
     * key would be cancelled and then deregistered by the owner's next select, and the owner would
     * no longer find the fibers to wake. Only if the owner hub is gone does this thread close it.
     */
    static void close(SelectableChannel ch, Hub owner) throws IOException {
        if (owner == null || owner.isClosed()) {
            ch.close();
        } else if (owner.thread() == Thread.currentThread()) {
            owner.closeChannel(ch);
        } else {
            try {
                owner.callSoonThreadsafe(() -> {
                    try {
                        owner.closeChannel(ch);
                    } catch (IOException e) {
                        // closing failed at the OS level; nothing is left to wake or release
                    }
                });
            } catch (IllegalStateException closedMeanwhile) {
                ch.close(); // the owner hub closed; its selector went with it
            }
        }
    }
}
