package io.loomlet;

/**
 * Raised in a blocking call that nothing could ever end (gevent's {@code LoopExit}): the hub has no
 * fiber ready, no timer, no I/O, and no wait declared as ended by another thread (see
 * {@link Park.Wake}; a wait on an {@code Event}, an {@code AsyncResult}, a {@code Semaphore} or a
 * lock used by several threads, or a join of another hub's task, is one). Typical cause: joining a
 * task that waits on a lock or queue nobody will ever release or fill.
 */
public class LoopExit extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public LoopExit(String message) {
        super(message);
    }
}
