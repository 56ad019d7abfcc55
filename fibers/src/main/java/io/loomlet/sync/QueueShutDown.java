package io.loomlet.sync;

/**
 * Raised by a queue that was shut down (gevent's and Python 3.13's {@code queue.ShutDown}): by every
 * put after {@link AbstractFiberQueue#shutdown()}, by gets once the items left are taken, and in the
 * fibers that were waiting to put, get or peek when it shut down. An {@link IllegalStateException}:
 * the call came after the queue's end.
 */
public final class QueueShutDown extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public QueueShutDown(String message) {
        super(message);
    }
}
